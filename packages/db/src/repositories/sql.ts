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
 * now owns. FOR SHARE: a claim by another attempt (an UPDATE of the row) waits for the statement,
 * and a statement that starts after the claim sees the new attempt, never the old one.
 */
export function fenceCte(run: string, attempt: string): string {
  return `fence AS MATERIALIZED (
      SELECT 1 AS ok FROM runs
      WHERE id = ${run}::uuid AND attempt = ${attempt}::int AND status = 'running' AND lease_until > now()
      FOR SHARE)`;
}
