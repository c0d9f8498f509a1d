// The REST API's boundary: one zod schema per request body, query and response. Route handlers
// parse with them, the typed client (./client.ts) checks answers with them, and the OpenAPI
// document (./openapi.ts) is generated from them. Times travel as ISO-8601 strings (UTC).
// Each domain's schemas live in a sibling <domain>-schemas.ts; this module gathers them, so every
// caller imports the API's schemas from one place.
export * from "./error-schemas";
export { okSchema } from "./shared-schemas";
export * from "./connection-schemas";
export * from "./run-schemas";
export * from "./scheme-schemas";
export * from "./account-schemas";
export * from "./failed-record-schemas";
export * from "./staged-record-schemas";
export * from "./value-map-schemas";
export * from "./reconciliation-schemas";
export * from "./alert-schemas";
export * from "./scheme-cursor-schemas";
