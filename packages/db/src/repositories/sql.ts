// Pieces the write protocol's statements share: the JSON they are fed with, and the attempt fence.

/**
 * JSON for jsonb_to_recordset: a bigint `id` column as a string (JSON has no bigint). Not with a
 * replacer: it would make JSON.stringify call back into JS for every nested value of every record.
 */
export function rowsJson(rows: readonly Record<string, unknown>[]): string {
  return JSON.stringify(rows.map((row) => (typeof row.id === "bigint" ? { ...row, id: row.id.toString() } : row)));
}

/**
 * A CTE named `fence` with one row while attempt `attempt` of run `run` (SQL expressions, e.g.
 * parameters) still owns the run: the run is `running` in that attempt and its lease has not run
 * out. Statements that mark records or record outcomes change nothing without it, so an attempt
 * that was superseded, or whose worker stalled past its lease, cannot touch rows another attempt
 * now owns. No row lock on the run (FOR SHARE cost a MultiXact per batch, with two statements of an
 * attempt in flight at once): a statement that began just before a claim may still apply, and that
 * is safe, because each of them also requires the rows' own state (`sending` in its batch, …), which
 * the new attempt's statements change under row locks, and because no call is made without the
 * lease renewed in an UPDATE of the run row (renewLease), which a claim serializes with.
 */
export function fenceCte(run: string, attempt: string): string {
  return `fence AS MATERIALIZED (
      SELECT 1 AS ok FROM runs
      WHERE id = ${run}::uuid AND attempt = ${attempt}::int AND status = 'running' AND lease_until > now())`;
}
