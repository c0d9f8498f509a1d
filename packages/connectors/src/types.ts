// The contract between connectors and the rest of Qiao. The engine and the UI only ever see
// these types and the registry in ./index.ts: adding a platform touches no engine or UI code.
import type { AuditMode, ConnectorMeta, WriteMode } from "@qiao/core";
import type { z } from "zod";
import type { ErrorClass } from "./error-class";
import type { CallObserver } from "./observer";
import type { OutboundPolicy } from "./outbound";

export type {
  ApiMeta,
  ConnectorMeta,
  CredentialField,
  FieldMeta,
  FieldType,
  OptionMeta,
  SourceApiMeta,
  TargetApiMeta,
  WriteMode,
  AuditMode,
} from "@qiao/core";

// ---------------------------------------------------------------------------------------
// Runtime

/** Shared throttle (the worker passes a Redis-backed one so all processes share the quota). */
export interface RateLimiter {
  /** Resolves when one call under `key` may be made. */
  acquire(key: string): Promise<void>;
}

/**
 * A bound on a connection's calls in flight (its "concurrent calls" setting), shared by every
 * process when the host passes Redis-backed slots (the worker does).
 */
export interface CallSlots {
  /**
   * Resolves, once fewer than `limit` calls hold a slot under `key`, with the function that gives
   * the slot back. Rejects when `signal` aborts first, or when slots cannot be had at all. A limit
   * given as a function is read again while the caller waits (the setting may change meanwhile).
   */
  acquire(key: string, limit: number | (() => number), signal?: AbortSignal): Promise<() => Promise<void>>;
}

export interface ConnectorLogger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
}

export interface ConnectionConfig {
  baseUrl: string;
  credentials: Record<string, unknown>;
  /** Which addresses the connection may reach and how large an answer may be (from the host's configuration). */
  outbound: OutboundPolicy;
  /** Defaults: 30 s timeout, 4 retries, in-process limiter. */
  timeoutMs?: number;
  maxRetries?: number;
  /** Calls per second allowed for this connection (default: the platform's). */
  qps?: number;
  limiter?: RateLimiter;
  /** Calls in flight (default: an in-process count per connection key; the worker's are shared in Redis). */
  slots?: CallSlots;
  /**
   * The connection's non-secret settings as of now, when the host re-reads them while the client
   * lives (the engine does for a running run, every few seconds). A client takes from them only what
   * may change under a run: its concurrent calls. Absent: the settings the client was made with.
   */
  liveSettings?: () => Readonly<Record<string, unknown>>;
  logger?: ConnectorLogger;
  /** Told of every HTTP exchange (duration, error kind): the host's metrics. */
  observer?: CallObserver;
  signal?: AbortSignal;
}

export interface ReadRequest {
  api: string;
  /** Request parameters after template evaluation; empty values are already removed. */
  params: Record<string, unknown>;
  /** Page size and first page (also present in params under the API's paging keys). */
  pageSize: number;
  startPage: number;
  signal?: AbortSignal;
  /**
   * The read's window starts at the scheme's cursor (its first run: at the beginning), and the
   * records read move the cursor on: a record the paging skipped would be lost for every later run.
   * A source that can read its window in parts that cannot skip one does so (管易云: slices of its
   * modification-time window, guanyi/window-slices.ts).
   */
  incremental?: boolean;
}

export interface SourcePage {
  pageNo: number;
  /** The platform's `total` (rows matching the filter): with `part`, the whole window's. */
  total: number;
  records: Record<string, unknown>[];
  /**
   * Set when the source read its window in parts (ReadRequest.incremental): the part this page is
   * of and that part's own total. The engine checks each part's pages against the part's total, not
   * the window's; neighbouring parts may overlap, so a record read in two parts has not moved.
   */
  part?: { index: number; total: number };
}

export interface SourceClient {
  /** Every page of the result, in order, one request at a time. */
  readPages(req: ReadRequest): AsyncIterable<SourcePage>;
}

export interface WriteRequest {
  api: string;
  formId: string;
  /**
   * Mapped records as the user configured them (base-data fields still plain codes such as "100";
   * the connector wraps them).
   */
  records: Record<string, unknown>[];
  options: Record<string, unknown>;
  mode: WriteMode;
  /**
   * Bills only (default "withSave"): with "separate" the connector saves without auditing, then
   * submits and audits the saved bills in separate calls; a bill saved but not audited comes back
   * as a `saved` outcome.
   */
  audit?: AuditMode;
  signal?: AbortSignal;
  /**
   * Epoch ms after which no call of this write may be sent (the end of the writing attempt's lease:
   * past it another attempt may own the records). A call not sent by then fails with kind
   * "not_sent", checked right before the request goes out.
   */
  sendBy?: number;
  /**
   * The deadline of the calls that follow a save of this write that went out (金蝶 audit "separate":
   * the Submit and Audit of the bills it saved), read right before each of them; without it they go
   * by `sendBy`. The engine gives the writing attempt's lease as last renewed: a save slower than
   * the mark's deadline must not leave its bills unaudited while the attempt still owns the run
   * (session 23). Like `sendBy`, 0 or a time past means "not sent".
   */
  followUpSendBy?: () => number;
}

export type WriteOutcome =
  | { ok: true; index: number; targetId: string; targetNumber: string; response: unknown }
  | {
      ok: false;
      unknown?: false;
      saved?: false;
      index: number;
      field?: string;
      message: string;
      code?: string;
      /** Whether sending it again later may succeed (retried automatically) or a person must act; default `data`. */
      errorClass?: ErrorClass;
      response: unknown;
    }
  /**
   * The call carrying this record may have been processed (timeout, connection lost or 5xx after
   * sending, cancelled while waiting): it must not be sent again before a lookup says it is absent.
   */
  | { ok: false; unknown: true; saved?: false; index: number; field?: undefined; message: string; response: unknown }
  /**
   * Bills saved but not audited (已保存未审核, audit "separate"): the bill exists in the target with
   * this id and number; Submit or Audit failed (e.g. 负库存). A retry calls `audit`, never Save.
   * `submitted`: whether the bill now stands submitted by this call's own Submit (true: the Submit
   * went through, the Audit did not), or not submitted by it (false: the Submit was refused, or its
   * outcome is unknown); absent when this call made no Submit of it (what was known stays). Only a
   * submission Qiao made itself may be withdrawn (`reopen`).
   */
  | {
      ok: false;
      saved: true;
      unknown?: false;
      field?: string;
      index: number;
      targetId: string;
      targetNumber: string;
      message: string;
      code?: string;
      submitted?: boolean;
      response: unknown;
    };

/** Bills saved earlier (a `saved` outcome) to submit and audit now. */
export interface AuditRequest {
  formId: string;
  /**
   * `submittedByQiao`: the bill's submission, if it has one, is Qiao's own Submit as Qiao recorded it
   * (`reopen` withdraws no other: a person's submission is theirs). Default false.
   */
  bills: { targetId: string; targetNumber: string; submittedByQiao?: boolean }[];
  /** The target's request options (金蝶: InterationFlags is sent with Submit and Audit); default: the form's. */
  options?: Record<string, unknown>;
  signal?: AbortSignal;
  /** As WriteRequest.sendBy. */
  sendBy?: number;
}

/** One record of the target as reconciliation sees it: its id, number and (if the form has one) name. */
export interface TargetKey {
  id: string;
  number: string;
  name?: string;
}

export interface ListKeysRequest {
  formId: string;
  /** The platform's own filter (金蝶 FilterString), limiting the records listed; empty: all of the form. */
  filter?: string;
  signal?: AbortSignal;
}

export interface WritePreview {
  request: unknown;
  records: unknown[];
}

export interface QueryValuesRequest {
  /** e.g. "BD_STOCK". */
  formId: string;
  /** The field matched against the keys, e.g. "FName". */
  keyField: string;
  /** The field returned, e.g. "FNumber". */
  returnField: string;
  keys: string[];
  signal?: AbortSignal;
}

/**
 * Where a bill stands in its audit: `open` (saved, can be saved again: 金蝶 Z 暂存, A 创建, D 重新审核),
 * `submitted` (in its audit: B 审核中), `audited` (final: C 已审核, refuses a second save).
 */
export type BillState = "open" | "submitted" | "audited";

/** A record found by its number. */
export interface FoundRecord {
  id: string;
  /** The platform's own status code (金蝶 FDocumentStatus), for messages; bills only. */
  status?: string;
  /** What the status means; absent for base data and for a status code the connector does not know. */
  billState?: BillState;
}

export interface TargetClient {
  /**
   * How many `write` calls one run may keep in flight: the connection's "concurrent calls" setting
   * (金蝶 default 2) as of now (it follows `liveSettings`). The connection's slots bound all its
   * calls together, across runs and processes.
   */
  readonly concurrency: number;
  /**
   * Writes one batch and returns one outcome per input record (by index). A record whose call's
   * outcome is unknown gets an `unknown` outcome, never a resend (creating it twice would be a
   * duplicate): the engine looks it up later. Throws only when nothing of the batch reached the
   * target, so the caller may put the whole batch back.
   */
  write(req: WriteRequest): Promise<WriteOutcome[]>;
  /**
   * Submits and audits saved bills, one outcome per bill by index: ok (audited), `saved` (still not
   * audited, with the reason), failed, or unknown. Only for forms with `bill` metadata.
   */
  audit?(req: AuditRequest): Promise<WriteOutcome[]>;
  /**
   * Brings saved, unaudited bills back to where they can be saved again (an update, upsert mode),
   * one outcome per bill by index: ok (open now: 金蝶 withdraws a submitted bill's submission, 撤销,
   * only when Qiao made it: AuditRequest's `submittedByQiao`), `saved` (submitted, not known to be by
   * Qiao: a person's, or Qiao's own whose answer was lost; still submitted, audited meanwhile, or the
   * withdrawal's outcome unknown; the reason in the message), or failed (not in the target). Never
   * saves. Only for forms with `bill` metadata.
   */
  reopen?(req: AuditRequest): Promise<WriteOutcome[]>;
  /**
   * Which of these record numbers already exist in the target: number → target id. `sent` gives,
   * per number, the record as it was written (WriteRequest.records): a target whose numbers are
   * unique only within part of a record answers that part's record (金蝶 base data: the copy of the
   * record's 使用组织, not another organisation's). Without it, any record with the number.
   */
  findExisting(formId: string, numbers: string[], signal?: AbortSignal, sent?: ReadonlyMap<string, Record<string, unknown>>): Promise<Map<string, string>>;
  /**
   * As findExisting, with what a bill's status says (forms with `bill` metadata): the engine's lookup
   * of unknown outcomes uses it to tell an update that happened from one that did not (a bill's number
   * exists either way). Optional: without it the engine decides from the number alone.
   */
  findRecords?(formId: string, numbers: string[], signal?: AbortSignal, sent?: ReadonlyMap<string, Record<string, unknown>>): Promise<Map<string, FoundRecord>>;
  /**
   * Every record of the form (or those the filter selects), keys only, a page at a time in a stable
   * order, one key per record id (a customer distributed to several organisations repeats its
   * number): what reconciliation compares the source with. Pages are bounded (金蝶: 2000 rows), so a
   * caller that streams them holds one page.
   */
  listKeys?(req: ListKeysRequest): AsyncIterable<TargetKey[]>;
  /**
   * Base data read from the target (the template filter `erp_lookup`): for each key, the value of
   * `returnField` of the record whose `keyField` equals it (e.g. BD_STOCK: FName → FNumber). Keys
   * the target does not have are absent from the map. Optional: a target without it cannot serve
   * erp_lookup (the engine fails the run naming the connection).
   */
  queryValues?(req: QueryValuesRequest): Promise<Map<string, string>>;
  /**
   * What `write` would send for these records (no I/O), so a test run can show the exact wire
   * payload: the whole request body, and each record's wire form by index. Ids only known at write
   * time (e.g. upsert's FCUSTID) are left at 0.
   */
  preview?(req: WriteRequest): WritePreview;
  /**
   * Ends what the client holds open on the target, once its user is done with it (金蝶: the session
   * it logged in, which the server otherwise keeps until it expires). Best effort and bounded: it
   * never throws, and a client used again afterwards opens a new one.
   */
  close?(): Promise<void>;
}

/** A connector's validator of a connection's whole credentials object (non-secret and secret fields together). */
export type CredentialsSchema = z.ZodType<Record<string, unknown>>;

export interface Connector {
  meta: ConnectorMeta;
  credentials: CredentialsSchema;
  /**
   * Checks that the credentials work (one cheap authenticated call) and says what it found, in
   * zh-CN (`message`) and English (`messageEn`). Throws ConnectorError.
   */
  testConnection(config: ConnectionConfig): Promise<{ message: string; messageEn: string }>;
  createSource?(config: ConnectionConfig): SourceClient;
  createTarget?(config: ConnectionConfig): TargetClient;
}
