// The write protocol's statement after the call (DESIGN.md, Runs; the mark before it is
// ./mark-sending.ts): record a batch's answers (written / failed / unknown / saved). Records that end
// without an answer (mapping failures, a batch put back unsent) are ./unsent.ts. Each is one SQL
// statement fenced by the attempt (./sql.ts): a superseded attempt, or one whose lease ran out,
// changes nothing.
import type { WriteMode } from "@qiao/core";
import type { ErrorClass, RunStatus } from "../../generated/prisma/enums";
import { hotQuery, type Db } from "../client";
import { numberClaimKey, unsentClaimsCte } from "./number-claims";
import { FILTERED_PAYLOAD_HASH } from "./stage-page";
import { BATCH_ROW_IDS, byInputIds, fenceCte, outcomeInRun, ownsEntry, rowsJson, supersedeCte, uncountPrevious } from "./sql";

/** The attempt that issues a statement: only it may change the rows it marked. */
export interface AttemptRef {
  runId: string;
  attempt: number;
}

/**
 * SQL: the payload sent for record `row` (an alias with `sending_entry`), from its slot in the batch
 * row, as jsonb, in recordWriteResults (its `slots` and `block` CTEs: the row's payloads unnested
 * once per statement, not detoasted per record); null if the record has no slot.
 */
function slotPayload(row: string): string {
  return `(SELECT sl.p FROM slots sl WHERE sl.pos = ${row}.sending_entry - (SELECT first FROM block))::jsonb`;
}

/** A record's answer: written, failed, or sent with an outcome nobody knows yet. */
export type WriteResult = {
  id: bigint;
  /** Hash of the payload that was sent (becomes the written hash when written). */
  hash: string;
  response?: unknown;
} & (
  | { outcome: "written"; targetId: string | null; targetNumber: string | null }
  | {
      outcome: "failed";
      error: string;
      errorField?: string | null;
      errorClass?: ErrorClass;
      /**
       * The target number (FNumber / FBillNo) the payload was sent under, if it had one: a data
       * failure (the target refused the record, nothing saved) makes its claim's last send one that
       * wrote nothing (target_number_claims.sends), so the number may be handed over.
       */
      number?: string | undefined;
    }
  /** The call may have been processed: looked up no sooner than the wait (./outcomes.ts). */
  | { outcome: "unknown"; error: string }
  /**
   * A bill saved in the target but not audited (已保存未审核): a retry audits it, never saves it again.
   * `submitted`: its Submit, made by this write, went through (the Audit did not): a submission Qiao
   * may withdraw to save the bill again (source_records.submitted_by_qiao). Default false.
   */
  | { outcome: "saved"; targetId: string; targetNumber: string; error: string; errorField?: string | null; submitted?: boolean }
);

/** The run after a batch's counters were added (see reportProgress). */
export interface RunAfterBatch {
  cancelRequested: boolean;
  attempt: number;
  status: RunStatus;
}

/**
 * Step 2 of the write protocol: the target's answers for a batch, in one statement with the run's
 * counters. Only records still `sending` in this batch are updated; each gets its RunRecord here,
 * with the payload that was marked: the written ones as the entries of their slots in the batch's
 * run_written_batches row (one row per batch, not per record: issue #16; see markSending), the
 * others (and a written record that already has an outcome in this run) as run_records rows; any earlier entry of a record in this run is
 * superseded, so each record of a run has one RunRecord, its last outcome. A record staged again with a changed payload while its batch
 * was in flight (the same source id on two pages of one read) is not `written` with the older
 * payload: it becomes pending again (stale in create mode once written). An `unknown` answer keeps
 * the batch on the row and copies the payload onto it (the lookup needs them) and sets `check_after` = now +
 * `unknownWaitMs`. `alsoFailed` (the batch's mapping failures, already recorded) is added to the
 * run's failed counter. `fenced` false: the attempt no longer owns the run and nothing changed.
 */
export async function recordWriteResults(
  db: Db,
  input: AttemptRef & {
    batchId: string;
    mode: WriteMode;
    results: WriteResult[];
    unknownWaitMs: number;
    /**
     * The scheme's retry schedule (ms): a transient failure with steps left is due for an automatic
     * retry after its next step (`retry_at`); one past the last step is dead-lettered (`dead_at`).
     */
    retryBackoffMs: readonly number[];
  },
): Promise<{
  written: number;
  failed: number;
  unknown: number;
  saved: number;
  deadLettered: number;
  /** Records pending again: their staged payload changed while they were sent (upsert mode). */
  requeued: number;
  fenced: boolean;
  run: RunAfterBatch;
}> {
  // At most as many as a batch row has slots (see BATCH_ROW_IDS).
  if (input.results.length > BATCH_ROW_IDS) {
    throw new Error(`A batch of ${input.results.length} answers: at most ${BATCH_ROW_IDS} are recorded at once`);
  }
  // The claim key of the number each record refused outright (a data failure) was sent under.
  const refusedKeys = input.results.map((r) =>
    r.outcome === "failed" && (r.errorClass ?? "data") === "data" && r.number !== undefined ? numberClaimKey(r.number) || null : null,
  );
  const refusals = refusedKeys.some((k) => k !== null);
  // The id as a string already (JSON has no bigint): rowsJson would copy each row to convert it.
  const json = rowsJson(
    input.results.map((r, n) => ({
      id: r.id.toString(),
      outcome: r.outcome,
      hash: r.hash,
      target_id: r.outcome === "written" || r.outcome === "saved" ? r.targetId : null,
      target_number: r.outcome === "written" || r.outcome === "saved" ? r.targetNumber : null,
      error: r.outcome === "written" ? null : r.error,
      error_field: r.outcome === "failed" || r.outcome === "saved" ? (r.errorField ?? null) : null,
      // Unclassified failures need a person (see ErrorClass).
      error_class: r.outcome === "failed" ? (r.errorClass ?? "data") : null,
      response: r.response ?? null,
      // The claim key of the number a refused record was sent under (see WriteResult).
      k: refusedKeys[n],
      submitted: r.outcome === "saved" && r.submitted === true,
    })),
  );
  const rows = await hotQuery<{
    written: number;
    failed: number;
    unknown: number;
    saved: number;
    dead: number;
    requeued: number;
    fenced: boolean;
    cancelRequested: boolean;
    attempt: number | null;
    status: RunStatus;
  }>(
    db,
    `WITH input AS (
      SELECT * FROM json_to_recordset($1::json)
        AS t(id bigint, outcome text, hash text, target_id text, target_number text, error text, error_field text, error_class error_class, response json, k text, submitted boolean)
    ), ${fenceCte("$3", "$6")}, prior AS (
      -- Each record as marked: one probe by primary key per record (a CTE over id = ANY(…) joined
      -- back to the input cost more: issue #16). \`batched\`: a written answer becomes the entry of
      -- its slot in the batch's row, unless the record already has an outcome in this run (a
      -- run_records row, or an entry of another of its batch rows: sent again after its data
      -- changed, or after a lookup found it absent); then it is a run_records row, upserted, so the
      -- record is shown once, as it ended. A row marked before its slot existed (sending_entry
      -- NULL: by the code before 20261208100000_marks_in_batch_rows) has its payload on the row.
      -- \`prev\`: the record's outcome in this run so far (its run_records row, else its entry in
      -- one of the run's batch rows), which the run's counters hold already: the counters move
      -- from it to the new outcome, so a record sent twice in one run counts once, as it ended.
      SELECT i.*, o.sending_payload, o.outcome_entry, o.sending_entry, o.in_batch, p.prev,
        i.outcome = 'written' AND o.sending_entry IS NOT NULL AND p.prev IS NULL AS batched
      FROM input i LEFT JOIN LATERAL (
        -- LIMIT 1 keeps this a probe per record: flattened into a join, a generic plan made while
        -- staging was small read the whole table for every batch (see byInputIds).
        SELECT sending_payload, outcome_entry, sending_entry, status = 'sending' AND batch_id IS NOT DISTINCT FROM $2 AS in_batch
        FROM source_records o WHERE o.id = i.id LIMIT 1) o ON true
      -- OFFSET 0: not flattened, so \`prev\` is found once per record, not once for each column naming it.
      CROSS JOIN LATERAL (SELECT ${outcomeInRun("$3::uuid", "i.id", "o.outcome_entry")} AS prev OFFSET 0) p
    ), block AS MATERIALIZED (
      -- The batch's row, inserted by the mark (markSending).
      SELECT b.id AS first FROM run_written_batches b
      WHERE b.run_id = $3::uuid AND b.batch_id = $2
        AND ${ownsEntry("b", "(SELECT min(p.sending_entry) FROM prior p WHERE p.in_batch)")}
    ), slots AS (
      -- Its payloads, unnested once, only if a record needs its own (the payload of a record not
      -- written goes to its run_records row; an unknown or saved one's onto its staging row, too).
      SELECT u.n - 1 AS pos, u.p FROM run_written_batches b CROSS JOIN LATERAL unnest(b.payloads) WITH ORDINALITY AS u(p, n)
      WHERE b.run_id = $3::uuid AND b.id = (SELECT first FROM block)
    ), updated AS (
      UPDATE source_records s SET
        status = CASE
          WHEN i.outcome = 'unknown' THEN 'unknown'::record_status
          -- The bill exists whatever changed meanwhile: only an audit may follow, never a save.
          WHEN i.outcome = 'saved' THEN 'saved'::record_status
          WHEN s.payload_hash IS DISTINCT FROM i.hash THEN
            -- Staged meanwhile as left out by the filter node: nothing more to send (its written hash
            -- and number say what this send wrote, if it wrote).
            CASE WHEN s.payload_hash = '${FILTERED_PAYLOAD_HASH}' THEN 'filtered'::record_status
              WHEN i.outcome = 'written' AND $5::text = 'create' THEN 'stale'::record_status ELSE 'pending'::record_status END
          WHEN i.outcome = 'written' THEN 'written'::record_status
          ELSE 'failed'::record_status END,
        written_hash = CASE WHEN i.outcome = 'written' THEN i.hash ELSE s.written_hash END,
        -- A saved bill keeps the hash of what was saved (the audit makes it the written hash); a
        -- payload staged while it was in flight drops the mapping key, so the run after the audit
        -- maps the record again and finds it changed (the same as stage-page.ts for saved rows).
        payload_hash = CASE WHEN i.outcome = 'saved' THEN i.hash ELSE s.payload_hash END,
        mapped_with = CASE WHEN i.outcome = 'saved' AND s.payload_hash IS DISTINCT FROM i.hash THEN NULL ELSE s.mapped_with END,
        target_id = COALESCE(i.target_id, s.target_id),
        target_number = COALESCE(i.target_number, s.target_number),
        last_error = i.error,
        check_after = CASE WHEN i.outcome = 'unknown' THEN now() + $7::int * interval '1 millisecond' END,
        batch_id = CASE WHEN i.outcome = 'unknown' THEN s.batch_id END,
        -- Kept while unknown (the lookup needs it) and while saved (the audit's RunRecord shows it).
        sending_payload = CASE WHEN i.outcome IN ('unknown', 'saved') THEN
          COALESCE(${slotPayload("s")}, s.sending_payload) END,
        sending_run_id = CASE WHEN i.outcome = 'unknown' THEN s.sending_run_id END,
        -- The connector answered unknown after sending (a lookup reads it: dueUnknownRecords).
        unknown_after_send = i.outcome = 'unknown',
        -- A saved bill submitted by this write's own Submit (only such a submission is withdrawn).
        submitted_by_qiao = i.submitted,
        -- The retry policy (issue #14), for a failure that stays failed (its payload unchanged):
        -- transient with steps left → due after the next step; past the last step → dead letter.
        error_class = CASE WHEN i.outcome = 'failed' THEN i.error_class END,
        retry_step = CASE WHEN i.outcome IN ('failed', 'unknown') THEN s.retry_step ELSE 0 END,
        retry_at = CASE WHEN i.outcome = 'failed' AND i.error_class = 'transient' AND s.payload_hash IS NOT DISTINCT FROM i.hash
          AND s.retry_step < cardinality($8::int[]) THEN now() + ($8::int[])[s.retry_step + 1] * interval '1 millisecond' END,
        dead_at = CASE WHEN i.outcome = 'failed' AND i.error_class = 'transient' AND s.payload_hash IS NOT DISTINCT FROM i.hash
          AND s.retry_step >= cardinality($8::int[]) THEN now() END,
        outcome_entry = CASE WHEN i.batched AND (SELECT first FROM block) IS NOT NULL THEN s.sending_entry END,
        updated_at = $4::timestamp
      FROM prior i
      -- IS NOT DISTINCT FROM (not =) keeps the planner on the primary key, one probe per input row:
      -- through the batch_id index (estimated at one row) it rescanned the input for every row.
      WHERE s.id = i.id AND ${byInputIds("s", "prior")} AND s.status = 'sending' AND s.batch_id IS NOT DISTINCT FROM $2 AND EXISTS (SELECT 1 FROM fence)
      RETURNING s.id, s.source_id, s.scheme_id, i.outcome, i.prev, s.dead_at IS NOT NULL AS dead, s.outcome_entry AS entry, s.status = 'pending' AS requeued
    ), ${
      // Only in a batch with a refusal: the statement every other batch runs stays as it was (the
      // CTE, even with nothing to update, cost ~5 µs of Postgres CPU per record in bench:statements).
      refusals
        ? `${unsentClaimsCte(
            "refused",
            // Refused outright (a data failure): the send under its number wrote nothing.
            `SELECT u.id, u.scheme_id, i.k FROM prior i JOIN updated u ON u.id = i.id WHERE i.outcome = 'failed' AND i.error_class = 'data' AND i.k IS NOT NULL`,
          )}, `
        : ""
    }recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_field, error_class, payload, response, target_id, target_number, batch_id, created_at, updated_at)
      SELECT $3::uuid, i.id, u.source_id, i.outcome::record_status, i.error, i.error_field, i.error_class,
        COALESCE(${slotPayload("i")}, i.sending_payload, '{}'::jsonb),
        i.response::jsonb, i.target_id, i.target_number, $2, $4::timestamp, $4::timestamp
      FROM prior i JOIN updated u ON u.id = i.id
      WHERE u.entry IS NULL
      -- The same record attempted again in this run (released, or looked up absent, then resent).
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = EXCLUDED.status, error = EXCLUDED.error, error_field = EXCLUDED.error_field, error_class = EXCLUDED.error_class,
        payload = EXCLUDED.payload, response = EXCLUDED.response, target_id = EXCLUDED.target_id, target_number = EXCLUDED.target_number,
        batch_id = EXCLUDED.batch_id, updated_at = EXCLUDED.updated_at
    ), ${supersedeCte(
      "superseded",
      `SELECT $3::uuid AS run_id, i.outcome_entry AS entry FROM prior i JOIN updated u ON u.id = i.id WHERE u.entry IS NULL AND i.outcome_entry IS NOT NULL`,
    )}, entries AS (
      SELECT u.entry, i.target_id, i.target_number, i.response FROM prior i JOIN updated u ON u.id = i.id WHERE u.entry IS NOT NULL
    ), batched AS (
      -- The written records become their slots' entries (the row's payloads are left as they are:
      -- an unchanged TOASTed value is not written again).
      UPDATE run_written_batches b SET
        (ids, target_ids, target_numbers, responses) = (
          SELECT array_agg(x.entry), array_agg(x.target_id), array_agg(x.target_number), array_agg(x.response)
          FROM (SELECT e.* FROM generate_series(0, cardinality(b.source_record_ids) - 1) k LEFT JOIN entries e ON e.entry = b.id + k ORDER BY k) x),
        written = (SELECT count(*) FROM entries)::int,
        created_at = $4::timestamp
      WHERE b.run_id = $3::uuid AND b.id = (SELECT first FROM block) AND EXISTS (SELECT 1 FROM entries)
    ), counts AS (
      SELECT count(*) FILTER (WHERE outcome = 'written')::int AS written,
        count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
        count(*) FILTER (WHERE outcome = 'unknown')::int AS unknown,
        count(*) FILTER (WHERE outcome = 'saved')::int AS saved,
        count(*) FILTER (WHERE dead)::int AS dead,
        count(*) FILTER (WHERE requeued)::int AS requeued
      FROM updated
    ), counted AS (
      -- Each record moves from what the run counted for it before (prior.prev) to its outcome.
      UPDATE runs SET
        ${uncountPrevious("updated", {
          written: "(SELECT written FROM counts)",
          failed: "(SELECT failed FROM counts)",
          unknown: "(SELECT unknown FROM counts)",
          saved: "(SELECT saved FROM counts)",
        })},
        updated_at = $4::timestamp
      WHERE id = $3::uuid AND EXISTS (SELECT 1 FROM fence)
    )
    SELECT c.written, c.failed, c.unknown, c.saved, c.dead, c.requeued, EXISTS (SELECT 1 FROM fence) AS fenced,
      r.cancel_requested AS "cancelRequested", r.attempt, r.status::text AS status
    FROM counts c LEFT JOIN runs r ON r.id = $3::uuid`,
    [
      json,
      input.batchId,
      input.runId,
      new Date().toISOString(),
      input.mode,
      input.attempt,
      Math.round(input.unknownWaitMs),
      input.retryBackoffMs.map((ms) => Math.round(ms)),
    ],
  );
  const row = rows[0]!;
  if (row.attempt === null) throw new Error(`Run ${input.runId} does not exist`);
  return {
    written: row.written,
    failed: row.failed,
    unknown: row.unknown,
    saved: row.saved,
    deadLettered: row.dead,
    requeued: row.requeued,
    fenced: row.fenced,
    run: { cancelRequested: row.cancelRequested, attempt: row.attempt, status: row.status },
  };
}
