// What compiling a scheme produces: the run plan, or the issues that stop one. Kept apart from
// the checks so that mapping (which runs a plan) and the compiler (which makes one) share these
// types without importing each other.
import type { AuditMode, ConnectorMeta, FieldMeta, SourceApiMeta, TargetApiMeta, WriteMode } from "../connector-meta";
import type { ConditionOp } from "../scheme";
import type { Template } from "../template/types";

/** What a lookup needs to know of the scheme it reads: its id(s) by name, and its source's fields. */
export interface LookupSchemeInfo {
  /** More than one: the name is ambiguous (lookups name schemes). */
  ids: readonly string[];
  /** The source's id field (the default key) and the top-level fields of its records; undefined: unknown. */
  idField?: string;
  fields?: readonly string[];
}

export interface SchemeCatalog {
  /** Connections by id, with the platform they belong to. */
  connections: ReadonlyMap<string, { platform: string; name?: string }>;
  /** Connector metadata by platform. */
  connectors: ReadonlyMap<string, ConnectorMeta>;
  /**
   * The names of the value maps (值映射) that exist. When given, a `map('名称')` naming another
   * is an error; when absent (a caller that does not know them) the check is skipped and a run
   * reports the missing map per record.
   */
  valueMaps?: ReadonlySet<string>;
  /**
   * The schemes `lookup('方案')` may name, by name (see lookupCatalog). When given, a lookup naming
   * another, an ambiguous name or a key field the scheme's source lacks is an error; when absent
   * the check is skipped.
   */
  schemes?: ReadonlyMap<string, LookupSchemeInfo>;
}

export type IssuePath = (string | number)[];

export interface SchemeIssue {
  /** Into the definition, e.g. ["nodes", 1, "config", "mapping", "FName"]. */
  path: IssuePath;
  nodeId?: string;
  /** The mapping, param or option key the issue is about. */
  field?: string;
  /** zh-CN */
  message: string;
  messageEn: string;
  /** Offsets into the template at `path`, for template issues. */
  start?: number;
  end?: number;
  severity: "error" | "warning";
}

export interface RunPlan {
  timezone: string;
  /** The scheme's retry schedule (definition `retry.backoffMs`): when transient failures are retried. */
  retryBackoffMs: number[];
  source: {
    nodeId: string;
    connectionId: string;
    platform: string;
    api: SourceApiMeta;
    params: Record<string, Template>;
    /**
     * The timezone the request's datetimes are written in (resolveParams): the platform's own (its
     * connector's `wireTimezone`, Beijing time for 管易云), else the scheme's. Not the plan's
     * `timezone`, which is the schedule's and the target mapping's: a scheme scheduled in Tokyo
     * still asks 管易云 for a window in Beijing time.
     */
    timezone: string;
    pageSize: number;
    idField: string;
    listKey: string;
    /**
     * A param references LAST_SYNC_TIME: the read's window starts at the scheme's cursor, and the
     * records it reads move the cursor on (readsFromCursor, the same test on a definition).
     */
    fromCursor: boolean;
  };
  /**
   * The filter node's condition (过滤条件): only records it keeps are written (../condition.ts).
   * Absent: the scheme has no filter node, every record is written.
   */
  filter?: FilterPlan;
  target: {
    nodeId: string;
    connectionId: string;
    platform: string;
    api: TargetApiMeta;
    formId: string;
    /** The API's option defaults overlaid with the node's options. */
    options: Record<string, boolean | string | number>;
    batchSize: number;
    mode: WriteMode;
    mapping: Record<string, Template>;
    /** The target field that identifies a record (idempotency lookups), e.g. FNumber or FBillNo. */
    numberField: string;
    /** Entry tables, in the order of the form's fields. */
    entries: EntryPlan[];
    /** Bills: audit with the save or separately ("withSave" for base data). */
    audit: AuditMode;
  };
}

/** A filter node's condition, compiled. */
export interface FilterPlan {
  nodeId: string;
  match: "all" | "any";
  rules: ConditionRulePlan[];
}

export interface ConditionRulePlan {
  /** Read against the source record. */
  field: Template;
  op: ConditionOp;
  /** The value as typed (trimmed); for in / notIn, `values` holds its items. */
  value: string;
  values: string[];
}

/** How the rows of one entry table are made from a source list. */
export interface EntryPlan {
  /** The target field, e.g. "FEntity". */
  key: string;
  /** Its metadata (an entry table: `fields` are the row fields). */
  field: FieldMeta & { fields: FieldMeta[] };
  /** Path of the source list in the record, e.g. ["details"]. */
  from: string[];
  /** Kept rows: the filter's value is not empty, false, 0, "0" or "false". */
  filter?: Template;
  mapping: Record<string, Template>;
}

export type CompileResult = { ok: true; plan: RunPlan; warnings: SchemeIssue[] } | { ok: false; issues: SchemeIssue[] };
