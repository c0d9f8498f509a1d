// Writing customers: BatchSave with base-data wrapping, per-record outcomes by DIndex, upsert via
// ExecuteBillQuery. A create whose BatchSave outcome is unknown is reported as such and never sent
// again here; the engine looks its FNumber up once the server has had time to commit (issue #11).
import { ConnectorError, isConnectorError } from "../errors";
import type { ConnectionConfig, TargetClient, WriteOutcome, WritePreview, WriteRequest } from "../types";
import { KingdeeClient } from "./client";
import { batchSaveApi, PLATFORM } from "./meta";
import { billQueryRowsSchema, failedStatusOf, firstErrorMessage, saveResponseSchema, SERVICE } from "./protocol";

/** ExecuteBillQuery returns at most 2000 rows per call. */
const QUERY_LIMIT = 2000;

const api = batchSaveApi;
const baseDataKeys = new Set(api.fields.filter((f) => f.baseData).map((f) => f.key));
const optionDefaults = Object.fromEntries(api.options.map((o) => [o.key, o.default]));

/** The user types "100"; Kingdee wants {"FNumber":"100"}. Objects (e.g. {"FID": 1}) and null pass as they are. */
export function toModel(record: Record<string, unknown>): Record<string, unknown> {
  const model: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value === undefined) continue;
    model[key] = baseDataKeys.has(key) && value !== null && typeof value !== "object" ? { FNumber: String(value) } : value;
  }
  return model;
}

/** `FNumber in ('A','B')` with quotes inside numbers doubled, as Kingdee's SQL-like filter expects. */
export function numberFilter(numbers: string[]): string {
  return `${api.numberField} in (${numbers.map((n) => `'${n.replaceAll("'", "''")}'`).join(",")})`;
}

function numberOf(record: Record<string, unknown>): string | undefined {
  const value = record[api.numberField];
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

export async function findExisting(
  client: KingdeeClient,
  formId: string,
  numbers: string[],
  signal?: AbortSignal,
): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  const unique = [...new Set(numbers.filter((n) => n !== ""))];
  for (let i = 0; i < unique.length; i += QUERY_LIMIT) {
    const chunk = unique.slice(i, i + QUERY_LIMIT);
    // A customer distributed to several organisations has one row per organisation: page until short.
    for (let startRow = 0; ; startRow += QUERY_LIMIT) {
      const json = await client.call(
        SERVICE.executeBillQuery,
        {
          data: {
            FormId: formId,
            FieldKeys: `${api.idField},${api.numberField}`,
            FilterString: numberFilter(chunk),
            StartRow: startRow,
            Limit: QUERY_LIMIT,
          },
        },
        { signal },
      );
      const failed = failedStatusOf(json);
      if (failed) {
        throw new ConnectorError("request", PLATFORM, `金蝶查询 ${formId} 失败：${firstErrorMessage(failed)}`, {
          platformCode: String(failed.MsgCode ?? ""),
          platformMessage: firstErrorMessage(failed),
        });
      }
      const rows = billQueryRowsSchema.safeParse(json);
      if (!rows.success) throw new ConnectorError("protocol", PLATFORM, "金蝶 ExecuteBillQuery 的回答不是二维数组");
      for (const [id, number] of rows.data) {
        if ((typeof id === "number" || typeof id === "string") && (typeof number === "string" || typeof number === "number")) {
          if (!found.has(String(number))) found.set(String(number), String(id));
        }
      }
      if (rows.data.length < QUERY_LIMIT) break;
    }
  }
  return found;
}

interface BatchContext {
  client: KingdeeClient;
  req: WriteRequest;
  models: Record<string, unknown>[];
  numbers: (string | undefined)[];
  outcomes: (WriteOutcome | undefined)[];
  /** A BatchSave of this write may have reached the server. */
  sent: boolean;
}

/** Reads a BatchSave answer into per-record outcomes; `sent[d]` is the record behind DIndex d. */
function applyResponse(ctx: BatchContext, sent: number[], json: unknown): void {
  const parsed = saveResponseSchema.safeParse(json);
  if (!parsed.success) {
    throw new ConnectorError("unknown_outcome", PLATFORM, "金蝶 BatchSave 的回答不符合协议（缺少 Result.ResponseStatus）");
  }
  const status = parsed.data.Result.ResponseStatus;
  const code = status.MsgCode == null ? undefined : String(status.MsgCode);
  for (const s of status.SuccessEntitys ?? []) {
    const index = sent[s.DIndex ?? -1];
    if (index === undefined) continue;
    ctx.outcomes[index] = { ok: true, index, targetId: String(s.Id), targetNumber: s.Number ?? ctx.numbers[index] ?? "", response: s };
  }
  const errorsByIndex = new Map<number, NonNullable<typeof status.Errors>>();
  for (const e of status.Errors ?? []) {
    const index = sent[e.DIndex ?? -1];
    if (index === undefined) continue;
    errorsByIndex.set(index, [...(errorsByIndex.get(index) ?? []), e]);
  }
  for (const [index, errors] of errorsByIndex) {
    ctx.outcomes[index] = {
      ok: false,
      index,
      field: errors.find((e) => e.FieldName)?.FieldName ?? undefined,
      message: errors.map((e) => e.Message ?? "").filter(Boolean).join("；") || "金蝶保存失败（没有说明原因）",
      code,
      response: errors,
    };
  }
  sent.forEach((index, dIndex) => {
    if (ctx.outcomes[index]) return;
    const batchError = status.IsSuccess ? "" : `；本批错误：${firstErrorMessage(status)}`;
    ctx.outcomes[index] = {
      ok: false,
      index,
      message: `金蝶没有返回这条记录（DIndex ${dIndex}）的保存结果${batchError}`,
      code,
      response: status,
    };
  });
}

/**
 * Sends one group of records with BatchSave until each has an outcome. A create whose call's
 * outcome is unknown is reported `unknown`, never sent again here: looking it up at once could miss
 * a save the server is still committing (the engine looks it up after a wait). Updates (FCUSTID
 * set) carry the whole record and are idempotent: they are simply sent again.
 */
async function saveGroup(ctx: BatchContext, group: number[], kind: "create" | "update", needUpdateFields: string[]): Promise<void> {
  if (group.length === 0) return;
  for (let round = 0; ; round++) {
    try {
      const json = await ctx.client.call(
        SERVICE.batchSave,
        {
          formid: ctx.req.formId,
          data: { ...optionDefaults, ...ctx.req.options, NeedUpDateFields: needUpdateFields, Model: group.map((i) => ctx.models[i]) },
        },
        { signal: ctx.req.signal, write: true, ...(ctx.req.sendBy !== undefined && { sendBy: ctx.req.sendBy }) },
      );
      ctx.sent = true;
      applyResponse(ctx, group, json);
      return;
    } catch (e) {
      if (!isConnectorError(e)) throw e;
      if (e.kind === "unknown_outcome") {
        ctx.sent = true;
        if (kind === "update" && round < ctx.client.retryLimit) {
          await ctx.client.pause(round, e, ctx.req.signal);
          continue;
        }
        for (const index of group) ctx.outcomes[index] = { ok: false, unknown: true, index, message: `${e.message}：结果待确认，稍后在金蝶中核对`, response: null };
        return;
      }
      // Certainly not processed. With nothing of the batch sent yet, the caller puts it all back.
      if (!ctx.sent) throw e;
      for (const index of group) ctx.outcomes[index] = { ok: false, index, message: e.message, code: e.kind, response: null };
      return;
    }
  }
}

export async function writeBatch(client: KingdeeClient, req: WriteRequest): Promise<WriteOutcome[]> {
  if (req.api !== api.id) throw new ConnectorError("request", PLATFORM, `金蝶连接器没有接口 ${req.api}（支持：${api.id}）`);
  const ctx: BatchContext = {
    client,
    req,
    models: req.records.map(toModel),
    numbers: req.records.map(numberOf),
    outcomes: new Array<WriteOutcome | undefined>(req.records.length),
    sent: false,
  };
  const all = req.records.map((_, i) => i);
  if (req.mode === "upsert") {
    const numbers = ctx.numbers.filter((n): n is string => n !== undefined);
    const existing = await findExisting(client, req.formId, numbers, req.signal);
    const creates: number[] = [];
    const updates: number[] = [];
    for (const i of all) {
      const id = ctx.numbers[i] === undefined ? undefined : existing.get(ctx.numbers[i]!);
      const model = ctx.models[i]!;
      model[api.idField] = id === undefined ? 0 : Number(id);
      (id === undefined ? creates : updates).push(i);
    }
    const fieldKeys = [...new Set(req.records.flatMap((r) => Object.keys(r)))].filter((k) => k !== api.idField);
    // NeedUpDateFields applies to a whole request and its effect on new records is not documented:
    // creates and updates go in separate calls.
    await saveGroup(ctx, creates, "create", []);
    await saveGroup(ctx, updates, "update", fieldKeys);
  } else {
    await saveGroup(ctx, all, "create", []);
  }
  return ctx.outcomes.map(
    (o, index) => o ?? { ok: false as const, index, message: "内部错误：这条记录没有得到结果", response: null },
  );
}

/** The BatchSave body for these records, as `writeBatch` sends it for new records. */
export function previewBatch(req: WriteRequest): WritePreview {
  const models = req.records.map(toModel);
  if (req.mode === "upsert") for (const model of models) model[api.idField] = 0;
  return {
    request: { formid: req.formId, data: { ...optionDefaults, ...req.options, NeedUpDateFields: [], Model: models } },
    records: models,
  };
}

export function createKingdeeTarget(config: ConnectionConfig): TargetClient {
  const client = new KingdeeClient(config);
  return {
    write: (req) => writeBatch(client, req),
    preview: previewBatch,
    findExisting: (formId, numbers, signal) => findExisting(client, formId, numbers, signal),
  };
}
