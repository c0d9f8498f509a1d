// Bills saved in the target but not audited (record status `saved`, 已保存未审核: audit "separate"
// and the Submit or Audit failed, e.g. 负库存). A retry run takes them over (assignFailedToRun keeps
// them `saved`) and audits them; these statements read them and record the audit's answers. Never
// pending, except to be saved again as an update of the same bill (upsert mode, "reopened"): the
// bill exists, so saving it as a new one would create a second one.
import type { WriteMode } from "@qiao/core";
import { hotQuery, type Db } from "../client";
import type { AttemptRef, RunAfterBatch } from "./write-protocol";
import { fenceCte, rowsJson } from "./sql";

export interface SavedBill {
  id: bigint;
  sourceId: string;
  targetId: string;
  targetNumber: string;
  /** The record's data as staged last (the engine checks the scheme's filter node on it before auditing). */
  data: unknown;
  /** The hash of the payload that was saved (staging keeps it while the bill is saved). */
  payloadHash: string | null;
  /** The bill's submission, if it has one, is Qiao's own Submit (source_records.submitted_by_qiao). */
  submittedByQiao: boolean;
}

/** The saved bills run `runId` took over, in id order after `afterId` (keyset). */
export async function savedBillsOfRun(db: Db, input: { schemeId: string; runId: string; afterId: bigint; limit: number }): Promise<SavedBill[]> {
  const rows = await db.$queryRaw<
    { id: bigint; sourceId: string; targetId: string | null; targetNumber: string | null; data: unknown; payloadHash: string | null; submittedByQiao: boolean }[]
  >`
    SELECT id, source_id AS "sourceId", target_id AS "targetId", target_number AS "targetNumber", data, payload_hash AS "payloadHash",
      submitted_by_qiao AS "submittedByQiao"
    FROM source_records
    WHERE scheme_id = ${input.schemeId}::uuid AND status = 'saved' AND last_run_id = ${input.runId}::uuid AND id > ${input.afterId}
    ORDER BY id
    LIMIT ${input.limit}`;
  return rows.map((r) => ({
    id: r.id,
    sourceId: r.sourceId,
    targetId: r.targetId ?? "",
    targetNumber: r.targetNumber ?? "",
    data: r.data,
    payloadHash: r.payloadHash,
    submittedByQiao: r.submittedByQiao,
  }));
}

/** An audit's answer for one saved bill. */
export type AuditResult = { id: bigint; response?: unknown } & (
  /**
   * Audited. `changedHash`: the hash of the payload the record maps to now, when it differs from
   * what was saved (session 32): the bill holds what was saved, which becomes the written hash, and
   * the record is `stale` in create mode (`pending` in upsert mode), as a written record whose
   * source changed is, instead of `written`.
   */
  | { outcome: "written"; changedHash?: string }
  /**
   * Still not audited (the reason in `error`): stays `saved`. `submitted`: whether the bill now
   * stands submitted by Qiao's own Submit (true: this audit's Submit went through; false: its Submit
   * failed); absent: this audit made no Submit of it, and what was recorded stays.
   */
  | { outcome: "saved"; error: string; errorField?: string | null; submitted?: boolean }
  /** The bill is not there (deleted in the target): failed, so a later retry saves it again. */
  | { outcome: "failed"; error: string; errorField?: string | null }
  /**
   * Not audited (upsert mode, session 32): the record changed since the bill was saved, and the
   * bill was brought back to where it can be saved again (its submission withdrawn, 撤销). `pending`
   * with `hash` (the payload it maps to now), still this run's, so the run's write phase saves it
   * again as an update of the same bill, then submits and audits it. Neither counted nor given a
   * RunRecord here: the write records its outcome (and moves the counters from what this run
   * counted for the bill before, if anything).
   */
  | { outcome: "reopened"; hash: string }
);

/**
 * The audit's answers, their RunRecords (with the payload that was saved) and the run's counters, in
 * one statement fenced by the attempt. Only bills still `saved` and taken over by this run change.
 *
 * A bill counts once per run, as it ended (session 23; as "a waiting record counts once per run",
 * session 17). Every attempt of a retry run audits the bills of the run still `saved`, so a resumed
 * attempt audits again what an earlier one left saved (its audit, or its writes, which counted them
 * already). The counters move only when a bill's outcome in this run changes: its RunRecord in this
 * run as the statement found it (one probe of the `(run_id, source_record_id)` index per bill) is
 * the outcome counted before; none means it was not counted in this run. A bill still saved adds
 * nothing; one saved before and audited now moves from `saved` to `written` (or `failed`), so the
 * run's counters and its status (succeeded only with nothing failed or saved) match the records'
 * list. The numbers returned are this call's outcomes (the batch's log line), not the increments.
 *
 * `run` is the run as the statement found it (as recordWriteResults answers, session 31's audit):
 * the audit loop runs no other statement that reads the run, so this is how it learns of a
 * cancellation requested while it audits (RunScope.observe) and stops at the next batch, instead
 * of submitting and auditing every remaining bill in the target (stock moved) after 取消.
 *
 * `mode` (the scheme's write mode) decides what an audited bill whose record changed becomes
 * (AuditResult's `changedHash`). `stale` counts those among `written`; `reopened` the bills left
 * pending to be saved again.
 */
export async function recordAuditResults(
  db: Db,
  input: AttemptRef & { mode: WriteMode; results: AuditResult[] },
): Promise<{ written: number; saved: number; failed: number; stale: number; reopened: number; fenced: boolean; run: RunAfterBatch }> {
  const json = rowsJson(
    input.results.map((r) => ({
      id: r.id,
      outcome: r.outcome,
      error: r.outcome === "written" || r.outcome === "reopened" ? null : r.error,
      error_field: r.outcome === "written" || r.outcome === "reopened" ? null : (r.errorField ?? null),
      hash: r.outcome === "reopened" ? r.hash : r.outcome === "written" ? (r.changedHash ?? null) : null,
      submitted: r.outcome === "saved" ? (r.submitted ?? null) : null,
      response: r.response ?? null,
    })),
  );
  const rows = await hotQuery<{
    written: number;
    saved: number;
    failed: number;
    stale: number;
    reopened: number;
    fenced: boolean;
    cancelRequested: boolean;
    attempt: number | null;
    status: RunAfterBatch["status"];
  }>(
    db,
    `WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id bigint, outcome text, error text, error_field text, hash text, submitted boolean, response jsonb)
    ), ${fenceCte("$2", "$3")}, before AS (
      SELECT id, sending_payload FROM source_records WHERE id = ANY($4::bigint[])
    ), counted_as AS (
      -- The outcome this run counted for the bill already (its RunRecord before this statement).
      SELECT i.id, r.status::text AS status
      FROM input i JOIN LATERAL (
        SELECT status FROM run_records r WHERE r.run_id = $2::uuid AND r.source_record_id = i.id LIMIT 1) r ON true
    ), updated AS (
      UPDATE source_records s SET
        -- Audited, its record changed since the save (i.hash): the bill holds what was saved (the
        -- written hash), the record what it maps to now, as a written record whose source changed.
        -- Reopened: pending, for this run's write phase to save it again as an update.
        status = CASE
          WHEN i.outcome = 'reopened' THEN 'pending'::record_status
          WHEN i.outcome = 'written' AND i.hash IS NOT NULL AND i.hash IS DISTINCT FROM s.payload_hash THEN
            CASE WHEN $6::text = 'create' THEN 'stale'::record_status ELSE 'pending'::record_status END
          ELSE i.outcome::record_status END,
        written_hash = CASE WHEN i.outcome = 'written' THEN s.payload_hash ELSE s.written_hash END,
        payload_hash = CASE WHEN i.outcome IN ('written', 'reopened') AND i.hash IS NOT NULL THEN i.hash ELSE s.payload_hash END,
        -- Mapped again by the next run that reads it (the key says nothing of the new hash's mapping).
        mapped_with = CASE WHEN i.outcome IN ('written', 'reopened') AND i.hash IS DISTINCT FROM s.payload_hash AND i.hash IS NOT NULL THEN NULL
          ELSE s.mapped_with END,
        last_error = i.error,
        sending_payload = CASE WHEN i.outcome = 'saved' THEN s.sending_payload END,
        target_id = CASE WHEN i.outcome = 'failed' THEN NULL ELSE s.target_id END,
        target_number = CASE WHEN i.outcome = 'failed' THEN NULL ELSE s.target_number END,
        -- Reopened: open now (a submission Qiao withdrew, or none), so no submission of Qiao's is left.
        submitted_by_qiao = CASE WHEN i.outcome = 'reopened' THEN false ELSE COALESCE(i.submitted, s.submitted_by_qiao) END,
        updated_at = $5::timestamp
      FROM input i
      WHERE s.id = i.id AND s.id = ANY($4::bigint[]) AND s.status = 'saved' AND s.last_run_id = $2::uuid AND EXISTS (SELECT 1 FROM fence)
      RETURNING s.id, s.source_id, i.outcome, s.status::text AS status, s.target_id, s.target_number
    ), recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_field, payload, response, target_id, target_number, created_at, updated_at)
      SELECT $2::uuid, u.id, u.source_id, u.outcome::record_status, i.error, i.error_field,
        COALESCE(b.sending_payload, '{}'::jsonb), i.response, u.target_id, u.target_number, $5::timestamp, $5::timestamp
      FROM updated u JOIN input i ON i.id = u.id LEFT JOIN before b ON b.id = u.id
      WHERE u.outcome <> 'reopened'
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = EXCLUDED.status, error = EXCLUDED.error, error_field = EXCLUDED.error_field, payload = EXCLUDED.payload,
        response = EXCLUDED.response, target_id = EXCLUDED.target_id, target_number = EXCLUDED.target_number, updated_at = EXCLUDED.updated_at
    ), counts AS (
      SELECT count(*) FILTER (WHERE outcome = 'written')::int AS written,
        count(*) FILTER (WHERE outcome = 'saved')::int AS saved,
        count(*) FILTER (WHERE outcome = 'failed')::int AS failed,
        count(*) FILTER (WHERE outcome = 'written' AND status <> 'written')::int AS stale,
        count(*) FILTER (WHERE outcome = 'reopened')::int AS reopened
      FROM updated
    ), moves AS (
      -- Per counter: bills that come to it in this run, less those that leave it (counted before
      -- with another outcome). A bill whose outcome stays what this run counted moves nothing.
      SELECT
        count(*) FILTER (WHERE u.outcome = 'written' AND c.status IS DISTINCT FROM 'written')::int
          - count(*) FILTER (WHERE c.status = 'written' AND u.outcome <> 'written')::int AS written,
        count(*) FILTER (WHERE u.outcome = 'saved' AND c.status IS DISTINCT FROM 'saved')::int
          - count(*) FILTER (WHERE c.status = 'saved' AND u.outcome <> 'saved')::int AS saved,
        count(*) FILTER (WHERE u.outcome = 'failed' AND c.status IS DISTINCT FROM 'failed')::int
          - count(*) FILTER (WHERE c.status = 'failed' AND u.outcome <> 'failed')::int AS failed
      FROM updated u LEFT JOIN counted_as c ON c.id = u.id
      -- A reopened bill moves nothing: the write that saves it again moves the counters from what
      -- this run counted for it (its RunRecord), as it does for any record sent twice in one run.
      WHERE u.outcome <> 'reopened'
    ), counted AS (
      UPDATE runs SET written = GREATEST(written + (SELECT written FROM moves), 0), saved = GREATEST(saved + (SELECT saved FROM moves), 0),
        failed = GREATEST(failed + (SELECT failed FROM moves), 0), updated_at = $5::timestamp
      WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM fence)
    )
    SELECT c.written, c.saved, c.failed, c.stale, c.reopened, EXISTS (SELECT 1 FROM fence) AS fenced,
      r.cancel_requested AS "cancelRequested", r.attempt, r.status::text AS status
    FROM counts c LEFT JOIN runs r ON r.id = $2::uuid`,
    [json, input.runId, input.attempt, input.results.map((r) => r.id.toString()), new Date().toISOString(), input.mode],
  );
  const row = rows[0]!;
  if (row.attempt === null) throw new Error(`Run ${input.runId} does not exist`);
  return {
    written: row.written,
    saved: row.saved,
    failed: row.failed,
    stale: row.stale,
    reopened: row.reopened,
    fenced: row.fenced,
    run: { cancelRequested: row.cancelRequested, attempt: row.attempt, status: row.status },
  };
}
