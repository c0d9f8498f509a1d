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
 * parameters) still owns the run: the run is `running` in that attempt, not handed to its delayed
 * job to wait for outcomes (`waiting_until`: the run stays `running` in the attempt that ended,
 * and its lease is kept, see finishRun), and its lease has not run out. Statements that mark
 * records or record outcomes change nothing without it, so an attempt that was superseded, or
 * whose worker stalled past its lease, cannot touch rows another attempt now owns. No row lock on
 * the run (FOR SHARE cost a MultiXact per batch, with two statements of an attempt in flight at
 * once): a statement that began just before a claim may still apply, and that is safe, because
 * each of them also requires the rows' own state (`sending` in its batch, …), which the new
 * attempt's statements change under row locks, and because a call goes out only before the end of
 * the lease a fenced statement of its attempt last found (`sendBy`), while a new attempt parks
 * what others left `sending` for a whole lease and the wait before looking it up (parkSending).
 * Its one column is the lease's end (`lease_until`), which the mark hands back (markSending).
 */
export function fenceCte(run: string, attempt: string): string {
  return `fence AS MATERIALIZED (
      SELECT lease_until FROM runs
      WHERE id = ${run}::uuid AND attempt = ${attempt}::int AND status = 'running' AND waiting_until IS NULL AND lease_until > now())`;
}

/**
 * SQL: how many milliseconds lease end `leaseUntil` (an expression) still runs, by the database's
 * clock, as an int: 0 once it ran out or when there is none. What the write protocol bounds a call by.
 */
export function leaseMsLeft(leaseUntil: string): string {
  return `GREATEST(0, COALESCE(floor(extract(epoch FROM ${leaseUntil} - now()) * 1000), 0))::int`;
}

/**
 * SQL: staging row `s` (an alias) is one of the rows named by the `id` column of CTE `input`, as an
 * index condition. The hot statements' plans are kept per connection (hotQuery), and Postgres may
 * keep a generic plan made while staging was a few pages (a first sync, a new install): an
 * `UPDATE source_records s … FROM input i WHERE s.id = i.id` then hashed the input and read staging's
 * primary key end to end for every batch, quadratic in the table (~0.6 ms per record at batches of
 * 20, issue #16). With the ids as an array the scan is bounded by them whatever the plan; the join
 * to `input` still pairs each row with its values. Checked by hot-plans.test.ts.
 */
export function byInputIds(s: string, input: string): string {
  return `${s}.id = ANY(ARRAY(SELECT id FROM ${input}))`;
}

/**
 * The RunRecord ids a run_written_batches row owns, from its own id on: the step of the
 * `run_records_id_seq` sequence (migration 20261206100000_run_written_batches). A batch row holds at
 * most this many entries, and the one holding entry id `e` has its id in (e − BATCH_ROW_IDS, e].
 */
export const BATCH_ROW_IDS = 1024;

/** SQL: batch row `b` (an alias) is the block that owns entry id `entry` (an SQL expression). */
export function ownsEntry(b: string, entry: string): string {
  return `${b}.id <= ${entry} AND ${b}.id > ${entry} - ${BATCH_ROW_IDS}`;
}

/**
 * SQL (text, or null): the outcome staging record `id` has in run `run` so far, which the run's
 * counters hold already: its run_records row's status, else 'written' when one of the run's batch
 * rows owns `entry` (the record's `outcome_entry` as the statement found it); null when it has none.
 * A statement giving the record a new outcome in that run moves the counters from it (a record
 * counts once per run, as it ended): two probes by key. Written, failed, unknown, saved and waiting
 * are counters of that kind (uncountPrevious); a pending or filtered RunRecord counts nothing here.
 */
export function outcomeInRun(run: string, id: string, entry: string): string {
  return `COALESCE(
      (SELECT r.status::text FROM run_records r WHERE r.run_id = ${run} AND r.source_record_id = ${id}),
      (SELECT 'written' FROM run_written_batches b WHERE b.run_id = ${run} AND ${ownsEntry("b", entry)} LIMIT 1))`;
}

/** The run counters a record's outcome in a run is counted in (see outcomeInRun). */
const OUTCOME_COUNTERS = ["written", "failed", "unknown", "saved", "waiting"] as const;

/**
 * SQL: the SET items of an UPDATE of `runs` that take the earlier outcomes of `prevs` (a query with a
 * text column `prev`, from outcomeInRun) off the counters, each at least 0, and add `add`'s (SQL
 * expressions) to them: the move of a statement's records to their new outcomes. `waiting` is one of
 * them (session 31's audit): a record that waited in an attempt and is written, failed or left
 * unknown by a later attempt of the same run no longer waits, and the run page's 等待依赖 said it did.
 */
export function uncountPrevious(prevs: string, add: Partial<Record<(typeof OUTCOME_COUNTERS)[number], string>> = {}): string {
  return OUTCOME_COUNTERS
    .map((c) => `${c} = GREATEST(${c} - (SELECT count(*) FROM ${prevs} WHERE prev = '${c}'), 0)${add[c] ? ` + ${add[c]}` : ""}`)
    .join(",\n        ");
}

/**
 * A CTE named `name` that supersedes batch entries (run_written_batches, see schema.prisma): the
 * records of `entries` (a query of `run_id uuid, entry bigint`: the run whose outcome is being
 * recorded and the record's `outcome_entry` before this statement) get a later outcome in that run
 * as a run_records row, so their written entry of that run, if it is one, stops being shown. An
 * entry of another run (an earlier run wrote the record) is left alone: the block is looked up by
 * the run (ownsEntry).
 */
export function supersedeCte(name: string, entries: string): string {
  return `${name} AS (
      UPDATE run_written_batches b SET
        ids = ARRAY(SELECT CASE WHEN v = ANY(x.entries) THEN NULL ELSE v END FROM unnest(b.ids) WITH ORDINALITY AS e(v, n) ORDER BY n),
        written = b.written - cardinality(x.entries)
      FROM (
        SELECT bb.run_id, bb.id, array_agg(o.entry) AS entries
        FROM (${entries}) o
        JOIN run_written_batches bb ON bb.run_id = o.run_id AND ${ownsEntry("bb", "o.entry")}
        WHERE o.entry IS NOT NULL AND o.entry = ANY(bb.ids)
        GROUP BY 1, 2) x
      WHERE b.run_id = x.run_id AND b.id = x.id)`;
}
