export { parseTemplate } from "./parse";
export { evaluateTemplate, formatPath, templateLookupRefs, templateMapRefs, templateRefs } from "./evaluate";
export { DEFAULT_TIMEZONE, isValidTimeZone } from "./time";
export { templateFilters, templateVariables } from "./catalog";
export * from "./types";
