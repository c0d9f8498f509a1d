// The documents floor: 发货单 → 销售出库单 by a bare script (src/floor.ts: the 管易云 source reading
// deliveries, the 金蝶 target writing SAL_OUTSTOCK bills mapped with mapRecord from the compiled
// plan, entry rows included), no database. A bill needs its customer and materials
// (IsVerifyBaseDataField), so the bare script first writes them the same way, untimed.
import type { SchemeDefinition } from "@qiao/core";
import { runFloor, type FloorInput, type FloorResult } from "./floor";

export interface DocumentsFloorInput extends Omit<FloorInput, "definition" | "onWritten"> {
  deliveries: SchemeDefinition;
  /** The entry the rows are counted in (FEntity). */
  entryKey: string;
}

export interface DocumentsFloorResult extends FloorResult {
  /** Entry rows of the bills the target accepted. */
  rows: number;
  rowsPerSecond: number;
}

/** Entry rows of a mapped bill: the length of its entry list (none when the mapping left it out). */
export function entryRows(payload: Record<string, unknown>, entryKey: string): number {
  const rows = payload[entryKey];
  return Array.isArray(rows) ? rows.length : 0;
}

/**
 * The untimed part: 店铺→客户 and 商品→物料 (in this order) by the same bare script, so that the
 * bills find their customer and materials. Answers seconds and records written per scheme.
 */
export async function writeMasterData(input: Omit<FloorInput, "definition" | "onWritten">, definitions: SchemeDefinition[]): Promise<{ seconds: number; written: number; failed: number }[]> {
  const out = [];
  for (const definition of definitions) {
    const r = await runFloor({ ...input, definition });
    out.push({ seconds: r.seconds, written: r.written, failed: r.failed });
  }
  return out;
}

/** The timed part: every delivery read, mapped with its entry rows, written as bills. */
export async function runDocumentsFloor(input: DocumentsFloorInput): Promise<DocumentsFloorResult> {
  const { deliveries, entryKey, ...connections } = input;
  let rows = 0;
  const result = await runFloor({ ...connections, definition: deliveries, onWritten: (payload) => (rows += entryRows(payload, entryKey)) });
  return { ...result, rows, rowsPerSecond: rows / result.seconds };
}
