export { parseTemplate } from "./parse";
export { evaluateTemplate, formatPath, templateLookupRefs, templateMapRefs, templateRefs } from "./evaluate";
export { canReadTimeZone, DEFAULT_TIMEZONE, isValidTimeZone, timeZoneIssue } from "./timezone";
export { templateFilters, templateVariables } from "./catalog";
export * from "./types";
