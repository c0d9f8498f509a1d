// The OpenAPI 3.1 document of the REST API, generated from the same zod schemas the routes parse
// with (z.toJSONSchema). Each operation names its request and response schemas; components are
// emitted once per schema, request bodies in their input form (defaults optional).
import { z } from "zod";
import { overviewSchema } from "./overview-schemas";
import * as s from "./schemas";

interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  tag: string;
  summary: string;
  body?: keyof typeof requests;
  query?: z.ZodObject;
  response: keyof typeof responses;
  status?: number;
  /** Error statuses besides 401 (always possible). */
  errors?: number[];
  /** The request body, or the answer, is a CSV file (text/csv) instead of JSON. */
  csv?: "request" | "response";
  /** The answer is Prometheus' text format instead of JSON. */
  prometheus?: true;
}

const requests = {
  CreateConnection: s.createConnectionBody,
  UpdateConnection: s.updateConnectionBody,
  TestConnection: s.testConnectionBody,
  TestNewConnection: s.testNewConnectionBody,
  CreateScheme: s.createSchemeBody,
  UpdateScheme: s.updateSchemeBody,
  ValidateScheme: s.validateSchemeBody,
  ImportScheme: s.schemeExportSchema,
  TestScheme: s.testSchemeBody,
  StartRun: s.startRunBody,
  RetryRun: s.retryRunBody,
  RetryScheme: s.retrySchemeBody,
  StartReconciliation: s.startReconciliationBody,
  ReconcileSettings: s.reconcileSettingsSchema,
  ResetCursor: s.resetCursorBody,
  CreateApiToken: s.createApiTokenBody,
  CreateUser: s.createUserBody,
  UpdateUser: s.updateUserBody,
  CreateValueMap: s.createValueMapBody,
  UpdateValueMap: s.updateValueMapBody,
  CreateAlertChannel: s.createAlertChannelBody,
  UpdateAlertChannel: s.updateAlertChannelBody,
  CreateAlertRule: s.createAlertRuleBody,
  UpdateAlertRule: s.updateAlertRuleBody,
};

const responses = {
  Error: s.apiErrorSchema,
  Ok: s.okSchema,
  ConnectorList: s.connectorListSchema,
  Connection: s.connectionSchema,
  ConnectionList: s.connectionListSchema,
  ConnectionTestResult: s.connectionTestResultSchema,
  SchemeList: s.schemeListSchema,
  SchemeEnvelope: s.schemeEnvelopeSchema,
  SchemeExport: s.schemeExportSchema,
  SchemeImportResult: s.schemeImportResultSchema,
  ValidationResult: s.validationResultSchema,
  RunEnvelope: s.runEnvelopeSchema,
  RunDetailEnvelope: s.runDetailEnvelopeSchema,
  RunList: s.runListSchema,
  RunRecordList: s.runRecordListSchema,
  RunLogList: s.runLogListSchema,
  SchemeFailedRecordList: s.schemeFailedRecordListSchema,
  ReconciliationEnvelope: s.reconciliationEnvelopeSchema,
  ReconciliationList: s.reconciliationListSchema,
  ReconciliationItemList: s.reconciliationItemListSchema,
  ResyncResult: s.resyncResultSchema,
  ReconcileSettingsResult: s.reconcileSettingsSchema,
  RecordAttemptList: s.recordAttemptListSchema,
  StagedRecordList: s.stagedRecordListSchema,
  StagedRecordDetail: s.stagedRecordDetailSchema,
  ApiToken: s.apiTokenSchema,
  ApiTokenList: s.apiTokenListSchema,
  CreatedApiToken: s.createdApiTokenSchema,
  User: s.userSchema,
  UserList: s.userListSchema,
  ValueMap: s.valueMapSchema,
  ValueMapList: s.valueMapListSchema,
  ValueMapImportResult: s.valueMapImportResultSchema,
  AlertChannel: s.alertChannelSchema,
  AlertChannelList: s.alertChannelListSchema,
  AlertChannelTestResult: s.alertChannelTestResultSchema,
  AlertRule: s.alertRuleSchema,
  AlertRuleList: s.alertRuleListSchema,
  Overview: overviewSchema,
};

const ID = "{id}";
const operations: Operation[] = [
  { method: "get", path: "/api/connectors", tag: "connectors", summary: "Platforms, their credential fields and APIs", response: "ConnectorList" },
  { method: "get", path: "/api/connections", tag: "connections", summary: "List connections (secrets only as stored/not stored)", response: "ConnectionList" },
  { method: "post", path: "/api/connections", tag: "connections", summary: "Create a connection", body: "CreateConnection", response: "Connection", status: 201, errors: [400] },
  { method: "post", path: "/api/connections/test", tag: "connections", summary: "Test credentials that are not saved", body: "TestNewConnection", response: "ConnectionTestResult", errors: [400] },
  { method: "get", path: `/api/connections/${ID}`, tag: "connections", summary: "Get a connection", response: "Connection", errors: [404] },
  { method: "patch", path: `/api/connections/${ID}`, tag: "connections", summary: "Update a connection (blank secret = unchanged; 409: changed since `updatedAt`, or moved elsewhere while a run uses it)", body: "UpdateConnection", response: "Connection", errors: [400, 404, 409] },
  { method: "delete", path: `/api/connections/${ID}`, tag: "connections", summary: "Delete a connection no scheme or active run uses (409 naming them)", response: "Ok", errors: [404, 409] },
  { method: "post", path: `/api/connections/${ID}/test`, tag: "connections", summary: "Test a saved connection", body: "TestConnection", response: "ConnectionTestResult", errors: [400, 404] },
  { method: "get", path: "/api/schemes", tag: "schemes", summary: "List schemes with their latest run", response: "SchemeList" },
  { method: "post", path: "/api/schemes", tag: "schemes", summary: "Create a scheme (400 lists every issue with its position; 409: another scheme has its name)", body: "CreateScheme", response: "SchemeEnvelope", status: 201, errors: [400, 409] },
  { method: "post", path: "/api/schemes/import", tag: "schemes", summary: "Create a scheme from an exported file (its value maps: missing ones created, existing ones kept; 409: a scheme here has its name)", body: "ImportScheme", response: "SchemeImportResult", status: 201, errors: [400, 409] },
  { method: "get", path: `/api/schemes/${ID}`, tag: "schemes", summary: "Get a scheme and its definition", response: "SchemeEnvelope", errors: [404] },
  { method: "patch", path: `/api/schemes/${ID}`, tag: "schemes", summary: "Save a new version, rename (the lookups naming it follow), or switch the schedule; the fields of one request are applied together or not at all (400: `baseVersion` without `definition`; 409: saved since `baseVersion`, a taken name, or a target switch or a switch from create to upsert while a run is active)", body: "UpdateScheme", response: "SchemeEnvelope", errors: [400, 404, 409] },
  { method: "delete", path: `/api/schemes/${ID}`, tag: "schemes", summary: "Delete a scheme with its runs (409 while a run is active, or while other schemes run after it or look it up)", response: "Ok", errors: [404, 409] },
  { method: "post", path: `/api/schemes/${ID}/duplicate`, tag: "schemes", summary: "Copy a scheme (named “<name>（副本）”, or “（副本 2）”… when that is taken)", response: "SchemeEnvelope", status: 201, errors: [404] },
  { method: "get", path: `/api/schemes/${ID}/export`, tag: "schemes", summary: "Export a scheme as JSON (no credentials)", response: "SchemeExport", errors: [404] },
  { method: "post", path: `/api/schemes/${ID}/validate`, tag: "schemes", summary: "Check a definition as a save would (compiled, run-after order) without saving it", body: "ValidateScheme", response: "ValidationResult", errors: [400, 404] },
  { method: "post", path: `/api/schemes/${ID}/test`, tag: "runs", summary: "Test run: sample records and the payloads the target would receive (202 if still running; 409: saved since `baseVersion`, or a run is active)", body: "TestScheme", response: "RunDetailEnvelope", errors: [400, 404, 409] },
  { method: "post", path: `/api/schemes/${ID}/runs`, tag: "runs", summary: "Start a run (409: saved since `baseVersion`, or a run is active)", body: "StartRun", response: "RunEnvelope", status: 202, errors: [400, 404, 409] },
  { method: "get", path: `/api/schemes/${ID}/runs`, tag: "runs", summary: "A scheme's runs, newest first", query: s.runListQuery, response: "RunList", errors: [400, 404] },
  { method: "get", path: `/api/schemes/${ID}/failed-records`, tag: "runs", summary: "The scheme's unresolved failed records, whatever run failed them", query: s.schemeFailedRecordsQuery, response: "SchemeFailedRecordList", errors: [400, 404] },
  { method: "get", path: `/api/schemes/${ID}/records`, tag: "runs", summary: "The scheme's staged records (数据湖) in id order, by status, or one by its source id", query: s.stagedRecordsQuery, response: "StagedRecordList", errors: [400, 404] },
  { method: "get", path: `/api/schemes/${ID}/records/{recordId}`, tag: "runs", summary: "One staged record with its data as the source sent it last", response: "StagedRecordDetail", errors: [404] },
  { method: "get", path: `/api/schemes/${ID}/failed-records/{recordId}/attempts`, tag: "runs", summary: "A failed record's history of attempts, newest first", response: "RecordAttemptList", errors: [404] },
  { method: "post", path: `/api/schemes/${ID}/retry`, tag: "runs", summary: "Retry the scheme's failed records (all, or the ids given; deadLetters: only dead letters)", body: "RetryScheme", response: "RunEnvelope", status: 202, errors: [400, 404, 409] },
  { method: "get", path: `/api/schemes/${ID}/reconciliations`, tag: "reconciliation", summary: "The scheme's reconciliation reports (对账), newest first", query: s.reconciliationListQuery, response: "ReconciliationList", errors: [400, 404] },
  { method: "post", path: `/api/schemes/${ID}/reconciliations`, tag: "reconciliation", summary: "Reconcile the scheme now: source keys against target keys", body: "StartReconciliation", response: "ReconciliationEnvelope", status: 202, errors: [400, 404, 409] },
  { method: "get", path: `/api/schemes/${ID}/reconcile-settings`, tag: "reconciliation", summary: "The scheme's reconciliation cron and target filter", response: "ReconcileSettingsResult", errors: [404] },
  { method: "put", path: `/api/schemes/${ID}/reconcile-settings`, tag: "reconciliation", summary: "Save the reconciliation cron and target filter", body: "ReconcileSettings", response: "ReconcileSettingsResult", errors: [400, 404] },
  { method: "post", path: `/api/schemes/${ID}/cursor/reset`, tag: "schemes", summary: "Read from the beginning (从头读取): clear the read cursor (LAST_SYNC_TIME); 409 while a run is queued or running", body: "ResetCursor", response: "SchemeEnvelope", errors: [400, 404, 409] },
  { method: "get", path: `/api/reconciliations/${ID}`, tag: "reconciliation", summary: "One reconciliation report's counts and status", response: "ReconciliationEnvelope", errors: [404] },
  { method: "get", path: `/api/reconciliations/${ID}/items`, tag: "reconciliation", summary: "The keys a report kept in one category (missing, extra, different)", query: s.reconciliationItemsQuery, response: "ReconciliationItemList", errors: [400, 404] },
  { method: "post", path: `/api/reconciliations/${ID}/resync`, tag: "reconciliation", summary: "Write the report's missing records again (once per report)", response: "ResyncResult", status: 202, errors: [404, 409] },
  { method: "get", path: "/api/value-maps", tag: "value-maps", summary: "List value maps (without entries); q searches names and descriptions", query: s.valueMapListQuery, response: "ValueMapList", errors: [400] },
  { method: "post", path: "/api/value-maps", tag: "value-maps", summary: "Create a value map (400: empty or taken name, repeated source value, too many rows or bytes)", body: "CreateValueMap", response: "ValueMap", status: 201, errors: [400, 413] },
  { method: "get", path: `/api/value-maps/${ID}`, tag: "value-maps", summary: "A value map with its entries", response: "ValueMap", errors: [404] },
  { method: "patch", path: `/api/value-maps/${ID}`, tag: "value-maps", summary: "Change a value map's name (the schemes using it follow), description, default or entries (replaced whole; 409: changed since `updatedAt`, or other writes kept changing it)", body: "UpdateValueMap", response: "ValueMap", errors: [400, 404, 409, 413] },
  { method: "delete", path: `/api/value-maps/${ID}`, tag: "value-maps", summary: "Delete a value map no scheme or active run uses (409 naming them)", response: "Ok", errors: [404, 409] },
  { method: "post", path: `/api/value-maps/${ID}/import`, tag: "value-maps", summary: "Import entries from a CSV file (source,target or 源值,目标值; UTF-8 or GBK), all or nothing (409 when other writes kept changing the map)", query: s.importValueMapQuery, response: "ValueMapImportResult", errors: [400, 404, 409, 413], csv: "request" },
  { method: "get", path: `/api/value-maps/${ID}/export`, tag: "value-maps", summary: "The entries as CSV for Excel (UTF-8 with BOM, CRLF)", response: "Ok", errors: [404], csv: "response" },
  { method: "get", path: "/api/alert-channels", tag: "alerts", summary: "Alert channels (secrets only as set/not set, last failure)", response: "AlertChannelList" },
  { method: "post", path: "/api/alert-channels", tag: "alerts", summary: "Create an alert channel (admin; address policy and SMTP login checked first)", body: "CreateAlertChannel", response: "AlertChannel", status: 201, errors: [400, 403] },
  { method: "get", path: `/api/alert-channels/${ID}`, tag: "alerts", summary: "Get an alert channel", response: "AlertChannel", errors: [404] },
  { method: "patch", path: `/api/alert-channels/${ID}`, tag: "alerts", summary: "Update an alert channel (admin; blank secret = unchanged; fields left out keep their value as stored when the edit is written; 409: its address, SMTP server, TLS, user or URL, was changed since it was read)", body: "UpdateAlertChannel", response: "AlertChannel", errors: [400, 403, 404, 409] },
  { method: "delete", path: `/api/alert-channels/${ID}`, tag: "alerts", summary: "Delete an alert channel (admin; removed from every rule)", response: "Ok", errors: [403, 404] },
  { method: "post", path: `/api/alert-channels/${ID}/test`, tag: "alerts", summary: "Send a test message through the channel (admin)", response: "AlertChannelTestResult", errors: [403, 404] },
  { method: "get", path: "/api/alert-rules", tag: "alerts", summary: "Alert rules", response: "AlertRuleList" },
  { method: "post", path: "/api/alert-rules", tag: "alerts", summary: "Create an alert rule (editor)", body: "CreateAlertRule", response: "AlertRule", status: 201, errors: [400] },
  { method: "patch", path: `/api/alert-rules/${ID}`, tag: "alerts", summary: "Update an alert rule (editor)", body: "UpdateAlertRule", response: "AlertRule", errors: [400, 404] },
  { method: "delete", path: `/api/alert-rules/${ID}`, tag: "alerts", summary: "Delete an alert rule (editor)", response: "Ok", errors: [404] },
  { method: "get", path: `/api/runs/${ID}`, tag: "runs", summary: "A run with its counters and records per second", response: "RunDetailEnvelope", errors: [404] },
  { method: "get", path: `/api/runs/${ID}/records`, tag: "runs", summary: "Records the run wrote or failed to write", query: s.runRecordsQuery, response: "RunRecordList", errors: [400, 404] },
  { method: "get", path: `/api/runs/${ID}/logs`, tag: "runs", summary: "The run's log, after a given line", query: s.runLogsQuery, response: "RunLogList", errors: [400, 404] },
  { method: "post", path: `/api/runs/${ID}/retry`, tag: "runs", summary: "Retry the run's failed records (all or some)", body: "RetryRun", response: "RunEnvelope", status: 202, errors: [400, 404, 409] },
  { method: "post", path: `/api/runs/${ID}/cancel`, tag: "runs", summary: "Cancel a queued or running run", response: "RunEnvelope", errors: [404, 409] },
  { method: "get", path: "/api/tokens", tag: "tokens", summary: "The caller's API tokens (scope=all: everyone's, admins)", query: s.apiTokensQuery, response: "ApiTokenList", errors: [400, 403] },
  { method: "post", path: "/api/tokens", tag: "tokens", summary: "Create an API token (shown once) with a role no higher than the caller's and an optional expiry", body: "CreateApiToken", response: "CreatedApiToken", status: 201, errors: [400, 403] },
  { method: "delete", path: `/api/tokens/${ID}`, tag: "tokens", summary: "Revoke one of the caller's API tokens (admins: anyone's)", response: "ApiToken", errors: [404] },
  { method: "get", path: "/api/overview", tag: "overview", summary: "Per scheme: last run, 24 h / 7 d runs and records, records per day, staging counts, next run; the queue and the workers", response: "Overview" },
  { method: "get", path: "/api/metrics", tag: "overview", summary: "Prometheus metrics (admin, or Bearer QIAO_METRICS_TOKEN)", response: "Ok", prometheus: true, errors: [403] },
  { method: "get", path: "/api/users", tag: "users", summary: "List users with their roles (admin)", response: "UserList" },
  { method: "post", path: "/api/users", tag: "users", summary: "Create a user with a password and a role (admin)", body: "CreateUser", response: "User", status: 201, errors: [400, 409] },
  { method: "patch", path: `/api/users/${ID}`, tag: "users", summary: "Change a user's name, role or password (admin; never demotes the last admin)", body: "UpdateUser", response: "User", errors: [400, 404, 409] },
  { method: "delete", path: `/api/users/${ID}`, tag: "users", summary: "Delete a user with their tokens (admin; never the last admin)", response: "Ok", errors: [404, 409] },
];

const ERROR_TEXT: Record<number, string> = {
  400: "Invalid request: `error.issues` lists each problem with its path (and template position)",
  401: "No valid session cookie or API token",
  403: "Forbidden: the caller's role is below what the operation needs (viewer < editor < admin), or a cross-site request",
  404: "Not found",
  413: "The body is larger than the operation accepts: QIAO_MAX_BODY_BYTES, QIAO_MAX_IMPORT_BYTES for imports, VALUE_MAP_BODY_BYTES (a value map's byte limit plus 16 KB) for value maps",
  409: "Conflict (e.g. scheme_busy: the scheme already has an active run)",
};

type JsonSchema = Record<string, unknown>;

function components(schemas: Record<string, z.ZodType>, io: "input" | "output", prefix: string): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [name, schema] of Object.entries(schemas)) registry.add(schema, { id: prefix + name });
  const out = z.toJSONSchema(registry, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas as Record<string, JsonSchema>;
  return Object.fromEntries(
    Object.entries(out).map(([id, { $schema: _s, $id: _i, ...rest }]) => [id, rest]),
  );
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

function queryParameters(query: z.ZodObject) {
  return Object.entries(query.shape).map(([name, schema]) => {
    const { $schema: _s, ...json } = z.toJSONSchema(schema as z.ZodType, { io: "input", unrepresentable: "any" }) as JsonSchema;
    return { name, in: "query", required: false, schema: json };
  });
}

export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const parameters = [
      ...(op.path.includes(ID) ? [{ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } }] : []),
      ...(op.path.includes("{recordId}") ? [{ name: "recordId", in: "path", required: true, schema: { type: "string", pattern: "^\\d{1,18}$" } }] : []),
      ...(op.query ? queryParameters(op.query) : []),
    ];
    const errorResponses = Object.fromEntries(
      [...(op.errors ?? []), 401].map((code) => [
        String(code),
        { description: ERROR_TEXT[code], content: { "application/json": { schema: ref("Error") } } },
      ]),
    );
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      tags: [op.tag],
      summary: op.summary,
      operationId: `${op.method}${op.path.replace(/\{id\}/g, "ById").replace(/[^A-Za-z]+(.)?/g, (_m, c: string | undefined) => (c ?? "").toUpperCase())}`,
      ...(parameters.length > 0 && { parameters }),
      ...(op.body && { requestBody: { required: false, content: { "application/json": { schema: ref(`${op.body}Request`) } } } }),
      ...(op.csv === "request" && { requestBody: { required: true, content: { "text/csv": { schema: { type: "string" } } } } }),
      responses: {
        [String(op.status ?? 200)]:
          op.csv === "response" || op.prometheus
            ? { description: "OK", content: { [op.prometheus ? "text/plain; version=0.0.4" : "text/csv"]: { schema: { type: "string" } } } }
            : { description: "OK", content: { "application/json": { schema: ref(op.response) } } },
        ...errorResponses,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Qiao API",
      version: "1.0.0",
      description:
        "管易云 → 金蝶云星空 data integration. Authenticate with the session cookie or `Authorization: Bearer <API token>` " +
        "(create tokens on the settings page). Roles: viewer reads; editor also changes schemes and runs; admin also manages " +
        "users, connections and anyone's tokens; a token acts with the lower of its own role and its owner's. " +
        "Errors: `{ error: { code, message, issues? } }`; messages are zh-CN.",
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, { session: [] }],
    tags: [{ name: "connectors" }, { name: "connections" }, { name: "schemes" }, { name: "runs" }, { name: "tokens" }, { name: "users" }, { name: "value-maps" }, { name: "alerts" }, { name: "overview" }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "An API token from the settings page (qiao_…)" },
        session: { type: "apiKey", in: "cookie", name: "better-auth.session_token" },
      },
      schemas: {
        ...components(responses, "output", ""),
        ...components(
          Object.fromEntries(Object.entries(requests).map(([k, v]) => [`${k}Request`, v])),
          "input",
          "",
        ),
      },
    },
  };
}
