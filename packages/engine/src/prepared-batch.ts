// Batches before the write protocol: each mapped record sorted into one to send, a mapping
// failure, one that waits for a lookup (等待依赖), or one the scheme's filter node leaves out. Pure: write-phase.ts marks, sends and records them.
import type { LookupWait } from "@qiao/core";
import type { MappingFailure } from "@qiao/db";

/**
 * A staging row as the batch took it: its id and source id, and the hash of the data it was mapped
 * from (stagingHash of its JSON text), which the mark compares with the row's (markSending).
 */
export interface PreparedRecord {
  id: bigint;
  sourceId: string;
  dataHash?: string | undefined;
}

/** A record ready to be sent: its staging row and its mapped payload (with the payload's hash, and its JSON text when known). */
export interface Sendable {
  record: PreparedRecord;
  payload: Record<string, unknown>;
  hash: string;
  text?: string | undefined;
}

/** A record whose lookups found nothing yet (it waits: 等待依赖), with its mapped payload so far. */
export interface Waiting {
  record: PreparedRecord;
  payload: Record<string, unknown>;
  hash: string;
  waits: readonly LookupWait[];
}

/** A batch of pending records, mapped (not yet marked): those to send, the mapping failures, those that wait, those the filter leaves out. */
export interface PreparedBatch {
  failures: MappingFailure[];
  sendable: Sendable[];
  waiting: Waiting[];
  /** Pending records the scheme's filter node now leaves out (its condition edited since they were staged): recorded `filtered`. */
  filtered: PreparedRecord[];
  /** Its records as counted in the run's share of the process's record budget (./record-budget.ts), given back once it is done. */
  held: number;
  /** The staging ids in it (each once: see prepare). */
  ids: Set<bigint>;
}

export const emptyBatch = (): PreparedBatch => ({ failures: [], sendable: [], waiting: [], filtered: [], held: 0, ids: new Set() });

/**
 * The wait a record's reason names: the first whose key the dependency's filter node leaves out
 * (`leftOut`), which no run of it writes while that filter stands (the person must change the filter
 * or the lookup), else the first. Its field is the RunRecord's error field.
 */
export function namedWait(waits: readonly LookupWait[], leftOut: (w: LookupWait) => boolean = () => false): LookupWait {
  return waits.find(leftOut) ?? waits[0]!;
}

/**
 * Why a record waits, in Chinese and in English (see namedWait), kept apart: its RunRecord and
 * staging row say "Chinese / English", the page log each in its language (a name may hold " / ").
 */
export function waitReasonParts(waits: readonly LookupWait[], leftOut: (w: LookupWait) => boolean = () => false): { zh: string; en: string; leftOut: boolean } {
  const w = namedWait(waits, leftOut);
  const more = waits.length > 1 ? `（另有 ${waits.length - 1} 个字段也在等待）` : "";
  const moreEn = waits.length > 1 ? ` (and ${waits.length - 1} more fields)` : "";
  if (leftOut(w)) {
    return {
      zh: `等待依赖：方案 “${w.scheme}” 的过滤条件排除了 “${w.key}”（字段 ${w.field}），不会写入${more}；修改该方案的过滤条件或查找后才会发送`,
      en: `Waiting: the filter of the scheme "${w.scheme}" leaves out "${w.key}" (field ${w.field}), so it is not written${moreEn}; sent once that filter or the lookup changes`,
      leftOut: true,
    };
  }
  return {
    zh: `等待依赖：方案 “${w.scheme}” 尚未写入 “${w.key}”（字段 ${w.field}）${more}，写入后自动发送`,
    en: `Waiting for the scheme "${w.scheme}" to write "${w.key}" (field ${w.field})${moreEn}; sent by itself once it is written`,
    leftOut: false,
  };
}

/**
 * Sorts one mapped record into a batch: a payload to send, a mapping failure, or a record that waits.
 * A record already in the batch is replaced: a source that pages by offset while its data changes
 * returns a record on two pages (the later copy is the one staging holds now), and a batch holding a
 * record twice would send it twice in one call (the mark marks a row once, whatever its input).
 */
export function prepare(
  batch: PreparedBatch,
  record: PreparedRecord,
  mapped: {
    payload: Record<string, unknown>;
    errors: readonly { field: string; message: string }[];
    waits: readonly LookupWait[];
    hash: string;
    text?: string | undefined;
    excluded?: boolean | undefined;
  },
): void {
  if (batch.ids.has(record.id)) {
    batch.failures = batch.failures.filter((f) => f.id !== record.id);
    batch.sendable = batch.sendable.filter((s) => s.record.id !== record.id);
    batch.waiting = batch.waiting.filter((w) => w.record.id !== record.id);
    batch.filtered = batch.filtered.filter((r) => r.id !== record.id);
  }
  batch.ids.add(record.id);
  if (mapped.excluded) {
    batch.filtered.push(record);
  } else if (mapped.errors.length === 0 && mapped.waits.length > 0) {
    batch.waiting.push({ record, payload: mapped.payload, hash: mapped.hash, waits: mapped.waits });
  } else if (mapped.errors.length > 0) {
    batch.failures.push({
      id: record.id,
      sourceId: record.sourceId,
      hash: mapped.hash,
      payload: mapped.payload,
      error: mapped.errors.map((e) => e.message).join("；"),
      errorField: mapped.errors[0]!.field,
      dataHash: record.dataHash,
    });
  } else {
    batch.sendable.push({ record, payload: mapped.payload, hash: mapped.hash, text: mapped.text });
  }
}
