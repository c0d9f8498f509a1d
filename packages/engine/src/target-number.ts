/**
 * The target number (FNumber / FBillNo) a mapped payload carries, as the connectors look it up: a
 * string that is not blank, or a finite number; undefined when it has none. What the mark claims for
 * the record (markSending) and what an unknown outcome is looked up by (./outcomes.ts).
 */
export function payloadNumber(payload: Record<string, unknown>, numberField: string): string | undefined {
  const value = payload[numberField];
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}
