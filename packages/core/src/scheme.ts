// The one schema of a scheme definition (Scheme.definition), used by the API, the editor and the
// worker. It checks shape only; what needs the connector catalog (APIs, fields, connections) and
// the graph as a whole is checked by compileScheme.
import { z } from "zod";
import { auditModeSchema, writeModeSchema } from "./connector-meta";
import { validateCron } from "./cron";
import { defaultRetryPolicy, retryPolicySchema } from "./retry-policy";
import { canReadTimeZone, DEFAULT_TIMEZONE, timeZoneIssue } from "./template/timezone";

export const SCHEME_LIMITS = {
  /** Schemes a scheme runs after. */
  runAfter: 10,
  nodes: 50,
  edges: 200,
  mappingEntries: 200,
  /** Entry tables mapped by one target node. */
  entryTables: 10,
  /** Rows of one entry table in one document (an error for that record beyond it). */
  entryRows: 2000,
  params: 100,
  options: 50,
  templateLength: 2000,
  /** Rules of a filter node's condition. */
  conditionRules: 50,
  pageSize: 1000,
  batchSize: 1000,
} as const;

/** A custom issue carries its English text in params.messageEn (the message is zh-CN). */
const bilingual = (message: string, messageEn: string) => ({ message, params: { messageEn } });

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const idSchema = z
  .string()
  .refine((v) => ID.test(v), bilingual("id 只能包含字母、数字、_ 和 -，长度 1 到 64", "An id has 1 to 64 letters, digits, _ or -"));

const keySchema = z.string().min(1).max(100);

export const templateSourceSchema = z.string().max(SCHEME_LIMITS.templateLength);

/**
 * A key "__proto__" is refused, at the key: zod's record parse leaves it out before any key schema
 * sees it (so keySchema cannot refuse it), and a request or file carrying it (JSON.parse makes it an
 * own key) would be saved without that entry, silently. Other names of Object.prototype
 * ("constructor", "toString"…) are kept as own keys like any other, and every reader of these
 * records goes by own keys (Object.entries, Map, setOwn), so they need no refusal.
 */
function refuseProtoKey(input: unknown, ctx: z.core.$RefinementCtx): unknown {
  if (input !== null && typeof input === "object" && Object.hasOwn(input, "__proto__")) {
    ctx.addIssue({
      code: "custom",
      path: ["__proto__"],
      ...bilingual("名称 “__proto__” 不能用作键：请删除或改名", 'The name "__proto__" cannot be a key: remove or rename it'),
    });
  }
  return input;
}

function boundedRecord<T extends z.ZodType>(value: T, max: number, what: string, whatEn: string) {
  const record = z.record(keySchema, value).refine(
    (r) => Object.keys(r).length <= max,
    bilingual(`${what}最多 ${max} 项`, `At most ${max} ${whatEn}`),
  );
  return z.preprocess<unknown, typeof record, z.input<typeof record>>(refuseProtoKey, record);
}

export const cronSchema = z.string().superRefine((value, ctx) => {
  const check = validateCron(value);
  if (!check.ok) ctx.addIssue({ code: "custom", ...bilingual(check.message, check.messageEn) });
});

/**
 * A timezone a scheme may be saved with: an IANA name (timeZoneIssue says why not, in both
 * languages: "CST" is an abbreviation that Intl reads as America/Chicago).
 */
export const timezoneSchema = z.string().superRefine((value, ctx) => {
  const issue = timeZoneIssue(value);
  if (issue) ctx.addIssue({ code: "custom", ...bilingual(issue.message, issue.messageEn) });
});

/**
 * The timezone of a definition as stored: also a legacy abbreviation saved before session 30, which
 * keeps running with the meaning it had (canReadTimeZone). A save checks timezoneSchema's rule on
 * top (compileScheme's forSave, which the editor and apps/web's validateDefinition ask for), so the
 * editor refuses it at the next save.
 */
const storedTimezoneSchema = z.string().superRefine((value, ctx) => {
  if (canReadTimeZone(value)) return;
  const issue = timeZoneIssue(value);
  if (issue) ctx.addIssue({ code: "custom", ...bilingual(issue.message, issue.messageEn) });
});

const connectionIdSchema = z.union([z.uuid(), z.literal("")]);

const positionSchema = z.object({ x: z.number(), y: z.number() });

export const sourceNodeConfigSchema = z.object({
  /** "" while the editor's node has no connection chosen yet. */
  connectionId: connectionIdSchema,
  platform: z.string().max(64),
  api: z.string().max(200),
  /** Request parameters, each a template evaluated without a record. */
  params: boundedRecord(templateSourceSchema, SCHEME_LIMITS.params, "请求参数", "request params").default({}),
  pageSize: z.int().min(1).max(SCHEME_LIMITS.pageSize).default(50),
  /** Field identifying a record at the source; default: the API's. */
  idField: z.string().min(1).max(200).optional(),
  /** Key of the record list in the response; default: the API's. */
  listKey: z.string().min(1).max(200).optional(),
});

/**
 * An entry table (单据体, e.g. 金蝶 FEntity) mapped from a list of the source record: one target
 * row per item of `from`. Row templates read the item (`{{item_code}}`) and the record through
 * `$parent` (`{{$parent.shop_code}}`).
 */
export const entryMappingSchema = z.object({
  /** Path of the source list, e.g. "details"; "" while the editor has none chosen. */
  from: z.string().max(200),
  /**
   * Optional template evaluated per item: the item becomes a row unless the value is empty, false,
   * 0, "0" or "false" (e.g. `{{qty}}` skips items whose quantity is 0). "" = every item.
   */
  filter: templateSourceSchema.default(""),
  /** Row field → template evaluated against each item. */
  mapping: boundedRecord(templateSourceSchema, SCHEME_LIMITS.mappingEntries, "分录字段映射", "entry mapping entries").default({}),
});

export const targetNodeConfigSchema = z.object({
  connectionId: connectionIdSchema,
  platform: z.string().max(64),
  api: z.string().max(200),
  /** Form of the target API (Kingdee FormId); default: the API's. */
  formId: z.string().min(1).max(200).optional(),
  options: boundedRecord(z.union([z.boolean(), z.string().max(2000), z.number()]), SCHEME_LIMITS.options, "请求选项", "options").default(
    {},
  ),
  batchSize: z.int().min(1).max(SCHEME_LIMITS.batchSize).default(100),
  mode: writeModeSchema.default("create"),
  /**
   * Target field → template evaluated against each source record. A key with a dot names a field
   * of a sub-head (金蝶 `SubHeadEntity.FSettleCurrID`): the connector nests it.
   */
  mapping: boundedRecord(templateSourceSchema, SCHEME_LIMITS.mappingEntries, "字段映射", "mapping entries").default({}),
  /** Entry table field (e.g. FEntity) → how its rows are made. */
  entries: boundedRecord(entryMappingSchema, SCHEME_LIMITS.entryTables, "分录映射", "entry tables").default({}),
  /** Bills only: audit with the save (as the options say) or as separate Submit and Audit calls. */
  audit: auditModeSchema.default("withSave"),
});

/**
 * How a condition rule compares its field with its value (./condition.ts): equal / not equal, one of
 * / none of a list, contains / does not contain, empty / not empty, and the orderings.
 */
export const CONDITION_OPS = ["eq", "ne", "in", "notIn", "contains", "notContains", "empty", "notEmpty", "gt", "gte", "lt", "lte"] as const;
export const conditionOpSchema = z.enum(CONDITION_OPS);
export type ConditionOp = z.output<typeof conditionOpSchema>;
/** Operators that compare with nothing: their rule's `value` is ignored. */
export const UNARY_CONDITION_OPS: ReadonlySet<ConditionOp> = new Set(["empty", "notEmpty"]);
/** Operators whose value is a list (one item per line, or separated by commas). */
export const LIST_CONDITION_OPS: ReadonlySet<ConditionOp> = new Set(["in", "notIn"]);

/** One rule of a filter node: `field` (a template on the source record, e.g. `{{del}}`) `op` `value`. */
export const conditionRuleSchema = z.object({
  /** A template read against the source record, as a mapping's: `{{del}}`, `{{delivery_statusInfo.delivery}}`. */
  field: templateSourceSchema,
  op: conditionOpSchema,
  /** Plain text (not a template); a list for in / notIn; ignored for empty / notEmpty. */
  value: z.string().max(SCHEME_LIMITS.templateLength).default(""),
});

/**
 * A filter node (过滤条件), between the source and the target: only the source records its condition
 * keeps are written. The others are staged as `filtered` (不符合条件) and never sent; one that
 * changes so that it passes is written by the run that reads it (docs/decisions.md, session 28).
 */
export const filterNodeConfigSchema = z.object({
  /** "all": every rule must hold (且); "any": one is enough (或). */
  match: z.enum(["all", "any"]).default("all"),
  rules: z
    .array(conditionRuleSchema)
    .max(SCHEME_LIMITS.conditionRules, bilingual(`过滤条件最多 ${SCHEME_LIMITS.conditionRules} 条`, `At most ${SCHEME_LIMITS.conditionRules} condition rules`))
    .default([]),
});

export const sourceNodeSchema = z.object({
  id: idSchema,
  type: z.literal("source"),
  position: positionSchema,
  config: sourceNodeConfigSchema,
});

export const targetNodeSchema = z.object({
  id: idSchema,
  type: z.literal("target"),
  position: positionSchema,
  config: targetNodeConfigSchema,
});

export const filterNodeSchema = z.object({
  id: idSchema,
  type: z.literal("filter"),
  position: positionSchema,
  config: filterNodeConfigSchema,
});

export const schemeNodeSchema = z.discriminatedUnion("type", [sourceNodeSchema, filterNodeSchema, targetNodeSchema]);

export const schemeEdgeSchema = z.object({ id: idSchema, source: idSchema, target: idSchema });

export const scheduleSchema = z.object({ cron: cronSchema, enabled: z.boolean() });

export const schemeDefinitionSchema = z.object({
  version: z.literal(1),
  /** As stored (storedTimezoneSchema); a save also checks timezoneSchema. */
  timezone: storedTimezoneSchema.default(DEFAULT_TIMEZONE),
  schedule: scheduleSchema.nullable().default(null),
  /** Automatic retries of transient failures, then dead letters (./retry-policy.ts). */
  retry: retryPolicySchema.default(defaultRetryPolicy),
  nodes: z.array(schemeNodeSchema).max(SCHEME_LIMITS.nodes),
  edges: z.array(schemeEdgeSchema).max(SCHEME_LIMITS.edges),
  /**
   * Run after (运行顺序): the ids of the schemes after whose successful runs this one runs by
   * itself (when every one of them has succeeded since this scheme's last run). Checked for cycles
   * when saved. Absent: only cron and manual runs.
   */
  runAfter: z.array(z.uuid()).max(SCHEME_LIMITS.runAfter).optional(),
  /** How long a record may wait for its lookups (等待依赖) before it fails; default QIAO_WAIT_LIMIT_HOURS (72). */
  waitLimitHours: z.int().min(1).max(8760).optional(),
});

export type SourceNodeConfig = z.output<typeof sourceNodeConfigSchema>;
export type TargetNodeConfig = z.output<typeof targetNodeConfigSchema>;
export type EntryMapping = z.output<typeof entryMappingSchema>;
export type SourceNode = z.output<typeof sourceNodeSchema>;
export type FilterNodeConfig = z.output<typeof filterNodeConfigSchema>;
export type ConditionRule = z.output<typeof conditionRuleSchema>;
export type FilterNode = z.output<typeof filterNodeSchema>;
export type TargetNode = z.output<typeof targetNodeSchema>;
export type SchemeNode = z.output<typeof schemeNodeSchema>;
export type SchemeEdge = z.output<typeof schemeEdgeSchema>;
export type SchemeSchedule = z.output<typeof scheduleSchema>;
/** A parsed definition (defaults filled in). */
export type SchemeDefinition = z.output<typeof schemeDefinitionSchema>;
/** What may be stored or sent (defaults optional). */
export type SchemeDefinitionInput = z.input<typeof schemeDefinitionSchema>;
