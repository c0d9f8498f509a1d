// What the test run mapped for a field of the picked sample record, for the mapping table's
// preview column when the browser cannot evaluate the template itself (a value map or a lookup:
// their data live on the server): the mapped value, or why the field waits.
import type { TestWait } from "./test-waits";

export interface TestedSample {
  payload: Record<string, unknown>;
  waits: TestWait[];
}

/** The test record picked for the mapping tables' previews; `tested` only while the draft is the one tested. */
export interface EditorSample {
  record: unknown;
  label: string;
  tested?: TestedSample;
}

/**
 * A test record as the mapping tables' sample: what the worker mapped holds only for the mapping it
 * tested (`asTested`: the draft has no unsaved change and is the version tested); its source record always.
 */
export function sampleOf(r: { source: unknown; payload: Record<string, unknown>; waits?: TestWait[] }, asTested: boolean): Omit<EditorSample, "label"> {
  return { record: r.source, ...(asTested && { tested: { payload: r.payload, waits: r.waits ?? [] } }) };
}

export interface WaitText {
  (wait: TestWait): string;
}

/** `field`: a head key (`FCustomerID`), or an entry table's key and a row field (`["FEntity", "FStockID"]`, first row). */
export function testedPreview(tested: TestedSample | undefined, field: string | [string, string], waitText: WaitText): string | undefined {
  if (!tested) return undefined;
  const [path, value] =
    typeof field === "string"
      ? [field, tested.payload[field]]
      : [`${field[0]}[1].${field[1]}`, firstRow(tested.payload[field[0]])?.[field[1]]];
  const wait = tested.waits.find((w) => w.field === path);
  if (wait) return waitText(wait);
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : JSON.stringify(value);
}

function firstRow(rows: unknown): Record<string, unknown> | undefined {
  const row = Array.isArray(rows) ? (rows[0] as unknown) : undefined;
  return row !== null && typeof row === "object" ? (row as Record<string, unknown>) : undefined;
}
