export { parseTemplate } from "./parse";
export { evaluateTemplate, formatPath, templateMapRefs, templateRefs } from "./evaluate";
export { DEFAULT_TIMEZONE, isValidTimeZone } from "./time";
export { templateFilters, templateVariables } from "./catalog";
export * from "./types";
