// Typed fetch helpers for the pages: every answer is checked against the same zod schema the route
// answers with, and every error arrives as an ApiClientError with the API's code and issues.
import type { z } from "zod";
import { DEFAULT_LOCALE, isLocale, translator, type Locale } from "@/lib/i18n/messages";
import { overviewSchema } from "./overview-schemas";
import * as s from "./schemas";

export class ApiClientError extends Error {
  override name = "ApiClientError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly issues: s.ApiIssue[] = [],
  ) {
    super(message);
  }
}

/** The page's language: the <html lang> the layout sets from the UI's locale. */
function pageLocale(): Locale {
  const lang = typeof document === "undefined" ? undefined : document.documentElement.lang;
  return isLocale(lang) ? lang : DEFAULT_LOCALE;
}

/** `file`: a body sent as it is (a CSV import) instead of JSON. */
async function request<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown, file?: Blob): Promise<z.infer<S>> {
  const locale = pageLocale();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      // The API answers in the page's language.
      headers: {
        "accept-language": locale,
        ...(file ? { "content-type": file.type || "text/csv" } : body !== undefined && { "content-type": "application/json" }),
      },
      body: file ?? (body === undefined ? undefined : JSON.stringify(body)),
      cache: "no-store",
    });
  } catch {
    throw new ApiClientError(0, "network", translator(locale)("common.unreachable"));
  }
  const data: unknown = await res.json().catch(() => null);
  if (!res.ok) {
    const parsed = s.apiErrorSchema.safeParse(data);
    if (parsed.success) throw new ApiClientError(res.status, parsed.data.error.code, parsed.data.error.message, parsed.data.error.issues);
    throw new ApiClientError(res.status, "internal", translator(locale)("common.serverError", { status: res.status }));
  }
  return schema.parse(data);
}

const get = <S extends z.ZodType>(path: string, schema: S) => request("GET", path, schema);
const post = <S extends z.ZodType>(path: string, schema: S, body: unknown = {}) => request("POST", path, schema, body);
const patch = <S extends z.ZodType>(path: string, schema: S, body: unknown) => request("PATCH", path, schema, body);
const put = <S extends z.ZodType>(path: string, schema: S, body: unknown) => request("PUT", path, schema, body);
const del = <S extends z.ZodType>(path: string, schema: S) => request("DELETE", path, schema);

const qs = (params: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const text = q.toString();
  return text ? `?${text}` : "";
};

type In<S extends z.ZodType> = z.input<S>;

export const api = {
  connectors: () => get("/api/connectors", s.connectorListSchema),

  connections: () => get("/api/connections", s.connectionListSchema),
  createConnection: (body: In<typeof s.createConnectionBody>) => post("/api/connections", s.connectionSchema, body),
  updateConnection: (id: string, body: In<typeof s.updateConnectionBody>) => patch(`/api/connections/${id}`, s.connectionSchema, body),
  deleteConnection: (id: string) => del(`/api/connections/${id}`, s.okSchema),
  testConnection: (id: string, body: In<typeof s.testConnectionBody> = {}) =>
    post(`/api/connections/${id}/test`, s.connectionTestResultSchema, body),
  testNewConnection: (body: In<typeof s.testNewConnectionBody>) => post("/api/connections/test", s.connectionTestResultSchema, body),

  schemes: () => get("/api/schemes", s.schemeListSchema),
  scheme: (id: string) => get(`/api/schemes/${id}`, s.schemeEnvelopeSchema),
  createScheme: (body: In<typeof s.createSchemeBody>) => post("/api/schemes", s.schemeEnvelopeSchema, body),
  updateScheme: (id: string, body: In<typeof s.updateSchemeBody>) => patch(`/api/schemes/${id}`, s.schemeEnvelopeSchema, body),
  deleteScheme: (id: string) => del(`/api/schemes/${id}`, s.okSchema),
  duplicateScheme: (id: string) => post(`/api/schemes/${id}/duplicate`, s.schemeEnvelopeSchema),
  exportScheme: (id: string) => get(`/api/schemes/${id}/export`, s.schemeExportSchema),
  importScheme: (file: unknown) => post("/api/schemes/import", s.schemeImportResultSchema, file),
  validateScheme: (id: string, body: In<typeof s.validateSchemeBody>) => post(`/api/schemes/${id}/validate`, s.validationResultSchema, body),
  testScheme: (id: string, body: In<typeof s.testSchemeBody> = {}) => post(`/api/schemes/${id}/test`, s.runDetailEnvelopeSchema, body),
  startRun: (id: string, body: In<typeof s.startRunBody> = {}) => post(`/api/schemes/${id}/runs`, s.runEnvelopeSchema, body),
  schemeRuns: (id: string, cursor?: string) => get(`/api/schemes/${id}/runs${qs({ cursor })}`, s.runListSchema),
  schemeFailedRecords: (id: string, cursor?: string, only: "all" | "dead" = "all") =>
    get(`/api/schemes/${id}/failed-records${qs({ cursor, only })}`, s.schemeFailedRecordListSchema),
  stagedRecords: (id: string, query: { sourceId?: string | undefined; status?: string | undefined; cursor?: string | undefined }) =>
    get(`/api/schemes/${id}/records${qs(query)}`, s.stagedRecordListSchema),
  stagedRecord: (id: string, recordId: string) => get(`/api/schemes/${id}/records/${recordId}`, s.stagedRecordDetailSchema),
  recordAttempts: (id: string, recordId: string) => get(`/api/schemes/${id}/failed-records/${recordId}/attempts`, s.recordAttemptListSchema),
  retryScheme: (id: string, ids?: string[], deadLetters = false) =>
    post(`/api/schemes/${id}/retry`, s.runEnvelopeSchema, { ...(ids && { ids }), ...(deadLetters && { deadLetters }) }),
  reconciliations: (id: string) => get(`/api/schemes/${id}/reconciliations${qs({ limit: 10 })}`, s.reconciliationListSchema),
  startReconciliation: (id: string, idempotencyKey: string) => post(`/api/schemes/${id}/reconciliations`, s.reconciliationEnvelopeSchema, { idempotencyKey }),
  reconcileSettings: (id: string) => get(`/api/schemes/${id}/reconcile-settings`, s.reconcileSettingsSchema),
  resetCursor: (id: string) => post(`/api/schemes/${id}/cursor/reset`, s.schemeEnvelopeSchema),
  saveReconcileSettings: (id: string, body: In<typeof s.reconcileSettingsSchema>) => put(`/api/schemes/${id}/reconcile-settings`, s.reconcileSettingsSchema, body),
  reconciliationItems: (id: string, category: string, cursor?: string) =>
    get(`/api/reconciliations/${id}/items${qs({ category, cursor, limit: 50 })}`, s.reconciliationItemListSchema),
  resync: (id: string) => post(`/api/reconciliations/${id}/resync`, s.resyncResultSchema),

  run: (id: string) => get(`/api/runs/${id}`, s.runDetailEnvelopeSchema),
  runRecords: (id: string, q: { status?: string; cursor?: string } = {}) => get(`/api/runs/${id}/records${qs({ limit: 20, ...q })}`, s.runRecordListSchema),
  runLogs: (id: string, after?: string) => get(`/api/runs/${id}/logs${qs({ after })}`, s.runLogListSchema),
  retryRun: (id: string, recordIds?: string[]) => post(`/api/runs/${id}/retry`, s.runEnvelopeSchema, recordIds ? { recordIds } : {}),
  cancelRun: (id: string) => post(`/api/runs/${id}/cancel`, s.runEnvelopeSchema),

  tokens: (scope: "mine" | "all" = "mine") => get(`/api/tokens${qs({ scope })}`, s.apiTokenListSchema),
  createToken: (body: In<typeof s.createApiTokenBody>) => post("/api/tokens", s.createdApiTokenSchema, body),
  revokeToken: (id: string) => del(`/api/tokens/${id}`, s.apiTokenSchema),

  valueMaps: (q?: string) => get(`/api/value-maps${qs({ q })}`, s.valueMapListSchema),
  valueMap: (id: string) => get(`/api/value-maps/${id}`, s.valueMapSchema),
  createValueMap: (body: In<typeof s.createValueMapBody>) => post("/api/value-maps", s.valueMapSchema, body),
  updateValueMap: (id: string, body: In<typeof s.updateValueMapBody>) => patch(`/api/value-maps/${id}`, s.valueMapSchema, body),
  deleteValueMap: (id: string) => del(`/api/value-maps/${id}`, s.okSchema),
  importValueMap: (id: string, file: Blob, mode: "replace" | "merge") =>
    request("POST", `/api/value-maps/${id}/import${qs({ mode })}`, s.valueMapImportResultSchema, undefined, file),

  alertChannels: () => get("/api/alert-channels", s.alertChannelListSchema),
  createAlertChannel: (body: In<typeof s.createAlertChannelBody>) => post("/api/alert-channels", s.alertChannelSchema, body),
  updateAlertChannel: (id: string, body: In<typeof s.updateAlertChannelBody>) => patch(`/api/alert-channels/${id}`, s.alertChannelSchema, body),
  deleteAlertChannel: (id: string) => del(`/api/alert-channels/${id}`, s.okSchema),
  testAlertChannel: (id: string) => post(`/api/alert-channels/${id}/test`, s.alertChannelTestResultSchema),
  alertRules: () => get("/api/alert-rules", s.alertRuleListSchema),
  createAlertRule: (body: In<typeof s.createAlertRuleBody>) => post("/api/alert-rules", s.alertRuleSchema, body),
  updateAlertRule: (id: string, body: In<typeof s.updateAlertRuleBody>) => patch(`/api/alert-rules/${id}`, s.alertRuleSchema, body),
  deleteAlertRule: (id: string) => del(`/api/alert-rules/${id}`, s.okSchema),
  overview: () => get("/api/overview", overviewSchema),

  users: () => get("/api/users", s.userListSchema),
  createUser: (body: In<typeof s.createUserBody>) => post("/api/users", s.userSchema, body),
  updateUser: (id: string, body: In<typeof s.updateUserBody>) => patch(`/api/users/${id}`, s.userSchema, body),
  deleteUser: (id: string) => del(`/api/users/${id}`, s.okSchema),
};
