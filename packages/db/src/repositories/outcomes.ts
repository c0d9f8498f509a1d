// Unknown write outcomes (待确认): records whose call may or may not have been processed. They are
// never sent again in the same breath: they wait `check_after`, are looked up in the target, and
// only a record known to be absent is sent again (DESIGN.md, Runs; issue #11). Each statement is
// fenced by the attempt that owns the run (./sql.ts) and keeps the counters of the run that sent
// the record (`sending_run_id`) in step with its RunRecord. A lookup's verdicts: ./resolve-unknown.ts.
import { hotQuery, scanQuery, type Db } from "../client";
import { fenceCte, outcomeInRun, ownsEntry, supersedeCte, uncountPrevious } from "./sql";
import type { AttemptRef } from "./write-protocol";

/**
 * Every record of the scheme still `sending` becomes `unknown`, to be looked up no sooner than
 * `delayMs` from now. Returns how many, and the latest time one of them is looked up. Called by the attempt that owns the run when it has no call of its own in
 * flight (before its first batch, and after its last), so every `sending` row it finds was marked
 * by another attempt: one that died, stalled or was superseded, whose call may still reach the
 * target. `delayMs` covers the time such an attempt could still send (its lease) plus the wait.
 * With `afterLeaseMs` (the wait), a row is also not looked up before the lease of the run that
 * sent it plus that: an attempt sends only by the end of the lease its mark found, and a claim
 * carries the longest lease an attempt held over to the next (claimRun), so a worker with a longer
 * lock than this one's, taken over, may still be sending until then (docs/decisions.md, session 20).
 */
export async function parkSending(
  db: Db,
  input: AttemptRef & { schemeId: string; delayMs: number; afterLeaseMs?: number; message: string },
): Promise<{ parked: number; lastCheck: Date | null }> {
  const now = new Date().toISOString();
  const rows = await hotQuery<{ parked: number; lastCheck: Date | null }>(
    db,
    `WITH ${fenceCte("$2", "$3")}, parked AS (
      -- The payload sent moves from the batch's row (its slot, see markSending) onto the staging row,
      -- where the lookup reads it (a row marked by the code before 20261208100000 has it there already).
      UPDATE source_records s SET
        status = 'unknown', last_error = $5, outcome_entry = NULL, unknown_after_send = false,
        check_after = GREATEST(now() + $4::int * interval '1 millisecond',
          (SELECT r.lease_until + $7::int * interval '1 millisecond' FROM runs r WHERE r.id = s.sending_run_id AND $7::int IS NOT NULL)),
        sending_payload = COALESCE(s.sending_payload, (SELECT (b.payloads[s.sending_entry - b.id + 1])::jsonb FROM run_written_batches b
          WHERE b.run_id = s.sending_run_id AND ${ownsEntry("b", "s.sending_entry")})),
        updated_at = $6::timestamp
      WHERE s.scheme_id = $1::uuid AND s.status = 'sending' AND EXISTS (SELECT 1 FROM fence)
      RETURNING s.id, s.source_id, s.sending_run_id, s.sending_payload, s.batch_id, s.check_after
    ), ${supersedeCte(
      "superseded",
      // Written earlier in the run that sent it (then sent again)? The rows as this statement found them.
      `SELECT p.sending_run_id AS run_id, o.outcome_entry AS entry FROM parked p JOIN source_records o ON o.id = p.id`,
    )}, recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, payload, batch_id, created_at, updated_at)
      SELECT p.sending_run_id, p.id, p.source_id, 'unknown', $5, p.sending_payload, p.batch_id, $6::timestamp, $6::timestamp
      FROM parked p
      WHERE p.sending_payload IS NOT NULL AND EXISTS (SELECT 1 FROM runs r WHERE r.id = p.sending_run_id)
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = 'unknown', error = EXCLUDED.error, error_field = NULL, payload = EXCLUDED.payload, response = NULL,
        batch_id = EXCLUDED.batch_id, updated_at = EXCLUDED.updated_at
    ), prevs AS (
      -- What the sending run counted for each record before (written or failed earlier in it, then
      -- sent again): the rows as this statement found them. It moves to unknown.
      SELECT p.sending_run_id, ${outcomeInRun("p.sending_run_id", "p.id", "o.outcome_entry")} AS prev
      FROM parked p JOIN source_records o ON o.id = p.id
    ), counted AS (
      -- Each sending run's records move from what it counted for them to unknown.
      UPDATE runs r SET
        ${uncountPrevious("(SELECT prev FROM prevs WHERE prevs.sending_run_id = r.id) x", { unknown: "(SELECT count(*) FROM prevs WHERE prevs.sending_run_id = r.id)::int" })},
        updated_at = $6::timestamp
      WHERE r.id IN (SELECT sending_run_id FROM prevs)
    )
    SELECT count(*)::int AS parked, max(check_after) AS "lastCheck" FROM parked`,
    [input.schemeId, input.runId, input.attempt, Math.round(input.delayMs), input.message, now, input.afterLeaseMs === undefined ? null : Math.round(input.afterLeaseMs)],
  );
  return rows[0]!;
}

/**
 * Whether a record of the run is `sending` in a batch another attempt of the run marked. Asked by an
 * attempt with no call in flight before it skips its last settling (nothing outstanding when it
 * looked): a mark of a superseded attempt that began before this attempt claimed the run may commit
 * after this attempt first looked (the fence is read without a row lock: see fenceCte), and its
 * records must be parked, not left `sending` by a finished run.
 *
 * Such a mark inserted its batch row, naming its attempt, in the statement that marked the records
 * (markSending), so only the run's batch rows of other attempts are read, and only their records are
 * probed: nothing at all after a run without a takeover, whatever the size of the scheme's staging.
 * (It asked every staging row of the scheme before, ~0.7 s at 1,000,000 rows, at the end of every
 * run: issue #16.) A batch row without an attempt (marked before 20261215100000) counts as
 * another's. Not seen here, left to the scheme's next run, whose first look parks them: a mark by an
 * attempt of another run (one that outlived its run's end), or by code from before
 * 20261208100000_marks_in_batch_rows (no batch row).
 */
export async function sendingMarkedByOthers(db: Db, input: AttemptRef): Promise<boolean> {
  const rows = await hotQuery<{ any: boolean }>(
    db,
    `SELECT EXISTS (
      SELECT 1 FROM run_written_batches b
      WHERE b.run_id = $1::uuid AND b.attempt IS DISTINCT FROM $2::int
        AND EXISTS (SELECT 1 FROM source_records s WHERE s.id = ANY(b.source_record_ids) AND s.status = 'sending')
    ) AS any`,
    [input.runId, input.attempt],
  );
  return rows[0]!.any;
}

export interface UnknownRecord {
  id: bigint;
  sourceId: string;
  batchId: string | null;
  /** The payload that was sent (recorded when marked), null if none was recorded. */
  payload: Record<string, unknown> | null;
  /**
   * The record was written to its target before this write (it has a written hash): what a bill
   * found audited proves depends on it (an audited bill refuses an update, so it may be the earlier write's).
   */
  writtenBefore: boolean;
  /** The connector answered unknown after it sent the write; false when parked from `sending` (no answer). */
  afterSend: boolean;
}

/** The scheme's unknown records whose lookup is due (keyset by id). */
export async function dueUnknownRecords(db: Db, input: { schemeId: string; afterId: bigint; limit: number }): Promise<UnknownRecord[]> {
  const rows = await hotQuery<Omit<UnknownRecord, "id"> & { id: string }>(
    db,
    `SELECT s.id::text, s.source_id AS "sourceId", s.batch_id AS "batchId", s.sending_payload AS payload,
      s.written_hash IS NOT NULL AS "writtenBefore", s.unknown_after_send AS "afterSend"
    FROM source_records s
    WHERE s.scheme_id = $1::uuid AND s.status = 'unknown' AND s.check_after <= now() AND s.id > $2::bigint
    ORDER BY s.id
    LIMIT $3::int`,
    [input.schemeId, input.afterId.toString(), input.limit],
  );
  return rows.map((r) => ({ ...r, id: BigInt(r.id) }));
}

/** The lookup itself failed: these unknown records are looked up again no sooner than `delayMs`. */
export async function postponeUnknown(db: Db, input: AttemptRef & { ids: bigint[]; delayMs: number }): Promise<number> {
  if (input.ids.length === 0) return 0;
  const rows = await hotQuery<{ n: number }>(
    db,
    `WITH ${fenceCte("$1", "$2")}, postponed AS (
      UPDATE source_records SET check_after = now() + $4::int * interval '1 millisecond'
      WHERE id = ANY($3::bigint[]) AND status = 'unknown' AND EXISTS (SELECT 1 FROM fence)
      RETURNING 1)
    SELECT count(*)::int AS n FROM postponed`,
    [input.runId, input.attempt, input.ids.map(String), Math.round(input.delayMs)],
  );
  return rows[0]!.n;
}

export interface OutcomeStats {
  /** Rows left `sending` (by another attempt, when the caller has no call in flight). */
  sending: number;
  unknown: number;
  /** Unknown rows whose lookup is due now. */
  due: number;
  /** When the first lookup is due (null: none unknown). */
  nextCheck: Date | null;
  /** Rows waiting to be written (left by earlier runs, released from waiting, put back). */
  pending: number;
}

/**
 * One pass over the scheme's staging rows (there is no status index, so status changes stay HOT
 * updates; planned for the scheme by scanQuery: sequential when it is most of staging, else through
 * (scheme_id, id)): what is sending, unknown or pending, and when lookups are due.
 * The engine asks it once when an attempt starts writing, and again only when its own writes may
 * have left something (see RunScope.outstanding): at a million staged rows a pass is most of a no-op run.
 */
export async function outcomeStats(db: Db, schemeId: string): Promise<OutcomeStats> {
  const rows = await scanQuery<OutcomeStats>(
    db,
    `SELECT
      count(*) FILTER (WHERE status = 'sending')::int AS sending,
      count(*) FILTER (WHERE status = 'unknown')::int AS unknown,
      count(*) FILTER (WHERE status = 'unknown' AND check_after <= now())::int AS due,
      min(check_after) FILTER (WHERE status = 'unknown') AS "nextCheck",
      count(*) FILTER (WHERE status = 'pending')::int AS pending
    FROM source_records WHERE scheme_id = $1::uuid AND status IN ('sending', 'unknown', 'pending')`,
    [schemeId],
  );
  return rows[0]!;
}
