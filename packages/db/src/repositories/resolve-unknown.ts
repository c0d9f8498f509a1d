// The verdicts of a lookup of unknown write outcomes (待确认): what each unknown record becomes once
// the target has been asked whether it holds it (found, absent, unverifiable), with the counters of
// the run that sent it kept in step (DESIGN.md, Runs; issue #11). The unknown outcomes themselves —
// parked, due, postponed — are in ./outcomes.ts.
import type { WriteMode } from "@qiao/core";
import { hotQuery, type Db } from "../client";
import { claimKeySql, numberClaimKey, unsentClaimsCte } from "./number-claims";
import { FILTERED_PAYLOAD_HASH } from "./stage-page";
import { fenceCte, rowsJson } from "./sql";
import type { AttemptRef } from "./write-protocol";

export interface OutcomeVerdict {
  id: bigint;
  batchId: string | null;
  /**
   * found: the target has the record's number (written); absent: it does not (pending again, to be
   * sent); unverifiable: no number to look up (failed: sending it again could create a duplicate).
   */
  outcome: "found" | "absent" | "unverifiable";
  /** Hash of the payload that was sent. */
  sentHash: string | null;
  targetId?: string | null;
  targetNumber?: string | null;
  /**
   * A found record's fate decided by the caller from what the target says of it (a bill's status),
   * overriding `foundAs` and `resendFound`: written (the write is there), saved (a bill saved, to be
   * audited), resend (pending again, sent as an update). Absent: the statement's rules.
   */
  foundAs?: "written" | "saved" | "resend";
  /** The RunRecord's text for a found record made pending again, instead of `messages.foundResent`. */
  note?: string;
  /**
   * The number looked up: an absent record's send wrote nothing under it, so its claim's last send
   * is one that wrote nothing (target_number_claims.sends), as after a definite refusal.
   */
  number?: string | undefined;
}

/** The reason a found update of create mode is left stale (VERDICT_STATUS, how = stale). */
const UPDATE_UNKNOWN_IN_CREATE =
  "写入结果未知：这次发送是更新（方案改为“新增”写入模式之前发出），经核对记录存在，但更新是否已生效无法确认；“新增”模式不再发送更新，记为已变更 / " +
  "The outcome was unknown: this send was an update (made before the scheme switched to the create write mode); the record exists, but whether the update took effect cannot be told, and create mode sends no update: marked changed";

/**
 * SQL: what resolveUnknown makes an unknown row (`s`) of its verdict (`d`); parameter $4 is the mode.
 */
const VERDICT_STATUS = `CASE
    -- Staged meanwhile as left out by the filter node: not sent again (found, it keeps what was
    -- written below; absent, nothing was).
    WHEN s.payload_hash = '${FILTERED_PAYLOAD_HASH}' AND (d.outcome = 'absent' OR d.how IN ('written', 'resend')) THEN 'filtered'::record_status
    -- An update whose outcome is unknown, found in create mode (sent before a switch back from
    -- upsert): what the target holds is not known to be the new data, and create mode sends no
    -- update: changed, not updated (its written hash stays what was written before; session 32).
    WHEN d.how = 'stale' THEN 'stale'::record_status
    WHEN d.outcome = 'absent' THEN 'pending'::record_status
    WHEN d.outcome = 'unverifiable' THEN 'failed'::record_status
    -- The bill exists, audited or not: only an audit may follow (like a saved outcome).
    WHEN d.how = 'saved' THEN 'saved'::record_status
    WHEN d.how = 'resend' THEN 'pending'::record_status
    WHEN s.payload_hash = d.sent_hash THEN 'written'::record_status
    WHEN $4::text = 'create' THEN 'stale'::record_status
    ELSE 'pending'::record_status END`;

/**
 * A lookup's verdicts on unknown records: found → written (stale in create mode, pending in upsert
 * mode, if the record changed meanwhile); absent → pending, with no document (the target holds none
 * under its number: its target id and written hash go, see `gone`); unverifiable → failed. In upsert
 * mode a record found may have been sent as an update, and an update's number exists whether or not it was
 * processed: such a record is pending again (see `resendFound`), to be sent again as an update,
 * which is idempotent. The RunRecord of the run that sent each gets the verdict, and that run's
 * counters move from unknown to written / failed (a record pending again is counted when it is sent
 * again). `requeued`: every record made pending, absent or found; `resent`: those found; `stale`:
 * found updates left stale in create mode (not among `written`).
 * A verdict may carry its own `foundAs`, decided from what the target says of the record (session 18:
 * a bill's status), which overrides the mode's rules for that record.
 */
export async function resolveUnknown(
  db: Db,
  input: AttemptRef & {
    mode: WriteMode;
    verdicts: OutcomeVerdict[];
    messages: { absent: string; unverifiable: string; foundSaved?: string; foundResent?: string };
    /**
     * Upsert mode: which found records are sent again because they may have been sent as updates.
     * `any` (base data, which can always be updated): every one; the connector's upsert finds the
     * number and sends an update, so a create that happened costs one more call. `targeted` (bills,
     * default): only those written (or saved) before, whose send was an update; a bill new to us
     * that is found is the create that happened. A bill saved with IsAutoSubmitAndAudit is audited
     * and refuses a second save, so sending every found bill again would fail the saves that happened.
     */
    resendFound?: "any" | "targeted";
    /**
     * What a found record becomes: `written`, or `saved` when the target audits bills in separate
     * calls (audit "separate"): the bill exists but whether it was audited is not known, so a retry
     * audits it (the target checks its status first). Default `written`.
     */
    foundAs?: "written" | "saved";
    /**
     * The records made pending become this run's (`last_run_id`), so that a retry, which writes only
     * its own records, sends them as the lookup's message says. False for a test run (it writes its
     * sample only: they wait for the scheme's next run). Default true.
     */
    adopt?: boolean;
  },
): Promise<{ written: number; requeued: number; resent: number; failed: number; stale: number }> {
  if (input.verdicts.length === 0) return { written: 0, requeued: 0, resent: 0, failed: 0, stale: 0 };
  const now = new Date().toISOString();
  const json = rowsJson(
    input.verdicts.map((v) => ({
      id: v.id,
      batch_id: v.batchId,
      outcome: v.outcome,
      sent_hash: v.sentHash,
      target_id: v.targetId ?? null,
      target_number: v.targetNumber ?? null,
      found_as: v.outcome === "found" ? (v.foundAs ?? null) : null,
      note: v.note ?? null,
      k: v.outcome === "absent" && v.number !== undefined ? numberClaimKey(v.number) || null : null,
    })),
  );
  const rows = await hotQuery<{ written: number; requeued: number; resent: number; failed: number; stale: number }>(
    db,
    `WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb)
        AS t(id bigint, batch_id text, outcome text, sent_hash text, target_id text, target_number text, found_as text, note text, k text)
    ), ${fenceCte("$5", "$6")}, sent AS (
      -- The statement's snapshot: the rows as marked, before the update below clears the payload.
      -- \`resend\`: found proves nothing, the send may have been an update (see resendFound; a row
      -- keeps its target and written hash from before the send until a verdict or an answer).
      -- \`was_update\`: in create mode, a row written to this target before (written hash and
      -- number) whose send was an update, made by upsert mode before a switch back to create: found
      -- proves nothing either, and create mode sends no update again (see VERDICT_STATUS).
      SELECT id, source_id, sending_payload, sending_run_id, target_number,
        $4::text = 'upsert' AND ($11::text = 'any' OR target_id IS NOT NULL OR written_hash IS NOT NULL) AS resend,
        $4::text = 'create' AND written_hash IS NOT NULL AND target_number IS NOT NULL AS was_update
      FROM source_records
      WHERE id = ANY($7::bigint[])
    ), decided AS (
      -- \`how\` a found record is taken: the verdict's own (from the target's status, see
      -- OutcomeVerdict.foundAs), else by foundAs and resendFound.
      SELECT i.*, p.source_id, p.sending_payload, p.sending_run_id, h.how,
        -- \`gone\`: absent under the number the row says a document of it has (its target_number, as
        -- 金蝶 compares numbers), or with no number in this target (a switched target's row): the
        -- target holds no document of it, whatever the row kept from before the send (a person
        -- deleted the bill between the send and the lookup). Its target id and written hash go, as a
        -- resync's do (claimResync): the mark's renumber check (\`was\`) and the switch to create mode
        -- (staleWrittenRecords) take either for a document under the number. The number and its
        -- claim stay: the record is pending and asks for that number again. A row written under
        -- another number (a blank one: 金蝶's 编码规则 numbered it) keeps them.
        i.outcome = 'absent' AND (p.target_number IS NULL OR (i.k IS NOT NULL AND ${claimKeySql("p.target_number")} = i.k)) AS gone,
        CASE i.outcome WHEN 'absent' THEN $2 WHEN 'unverifiable' THEN $3 WHEN 'found' THEN CASE WHEN h.how = 'saved' THEN $10 WHEN h.how = 'stale' THEN $14 END END AS message
      FROM input i JOIN sent p ON p.id = i.id
      CROSS JOIN LATERAL (SELECT CASE WHEN i.outcome <> 'found' THEN NULL
        WHEN i.found_as IS NOT NULL THEN i.found_as
        WHEN p.was_update THEN 'stale'
        WHEN $9 = 'saved' THEN 'saved'
        WHEN p.resend THEN 'resend'
        ELSE 'written' END AS how) h
    ), updated AS (
      UPDATE source_records s SET
        status = ${VERDICT_STATUS},
        -- Made pending by this run's lookup: this run sends it (a retry writes only its own rows, by
        -- last_run_id), unless it is a test run, which writes its sample only (session 32's audit).
        last_run_id = CASE WHEN $13::boolean AND ${VERDICT_STATUS} = 'pending' THEN $5::uuid ELSE s.last_run_id END,
        -- Absent, or unverifiable, in the target the run writes to, a row whose write was to a target
        -- the scheme switched from (a written hash without a number: forgetWrittenTarget) has nothing
        -- written here: staging must not take it for written (stage-page: written hash = payload).
        -- Absent under the number it was written under (\`gone\`): nothing of it is there either.
        written_hash = CASE WHEN d.how = 'written' THEN d.sent_hash
          WHEN d.outcome <> 'found' AND s.target_number IS NULL THEN NULL
          WHEN d.gone THEN NULL ELSE s.written_hash END,
        -- A bill found saved keeps the hash of what was sent (see recordWriteResults' saved answer).
        payload_hash = CASE WHEN d.how = 'saved' AND d.sent_hash IS NOT NULL THEN d.sent_hash ELSE s.payload_hash END,
        mapped_with = CASE WHEN d.how = 'saved' AND s.payload_hash IS DISTINCT FROM d.sent_hash THEN NULL ELSE s.mapped_with END,
        target_id = CASE WHEN d.outcome = 'found' THEN d.target_id WHEN d.gone THEN NULL ELSE s.target_id END,
        target_number = CASE WHEN d.outcome = 'found' THEN d.target_number ELSE s.target_number END,
        last_error = CASE WHEN d.outcome = 'unverifiable' OR d.how IN ('saved', 'stale') THEN d.message END,
        check_after = NULL, batch_id = NULL,
        sending_payload = CASE WHEN d.how = 'saved' THEN s.sending_payload END,
        -- A bill found saved: whose submission it has, if any, is not known (Qiao's Submit may or may
        -- not have gone out before the outcome was lost): never withdrawn by a reopening.
        submitted_by_qiao = CASE WHEN d.how = 'saved' THEN false ELSE s.submitted_by_qiao END,
        sending_run_id = NULL, updated_at = $8::timestamp
      FROM decided d
      -- Only the batch the verdict was made for (a row marked again since is another batch's).
      WHERE s.id = d.id AND s.status = 'unknown' AND s.batch_id IS NOT DISTINCT FROM d.batch_id AND EXISTS (SELECT 1 FROM fence)
      RETURNING s.id, s.scheme_id, s.status = 'pending' AS requeued
    ), ${unsentClaimsCte(
      "unclaimed",
      // Absent: the send under its number wrote nothing there.
      `SELECT u.id, u.scheme_id, d.k FROM decided d JOIN updated u ON u.id = d.id WHERE d.outcome = 'absent' AND d.k IS NOT NULL`,
    )}, verdicts AS (
      SELECT d.*, u.requeued,
        CASE WHEN d.outcome = 'found' AND u.requeued THEN COALESCE(d.note, $12) ELSE d.message END AS said
      FROM decided d JOIN updated u ON u.id = d.id
    ), recorded AS (
      -- The RunRecord of the run that sent it, with the payload it sent and the verdict.
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, payload, response, target_id, target_number, batch_id, created_at, updated_at)
      SELECT v.sending_run_id, v.id, v.source_id,
        CASE WHEN v.requeued THEN 'pending'::record_status WHEN v.outcome = 'found' THEN v.how::record_status ELSE 'failed'::record_status END,
        v.said, v.sending_payload,
        jsonb_build_object('lookedUp', true, 'outcome', v.outcome, 'targetId', v.target_id),
        v.target_id, v.target_number, v.batch_id, $8::timestamp, $8::timestamp
      FROM verdicts v
      WHERE v.sending_payload IS NOT NULL AND EXISTS (SELECT 1 FROM runs r WHERE r.id = v.sending_run_id)
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = EXCLUDED.status, error = EXCLUDED.error, error_field = NULL, payload = EXCLUDED.payload,
        response = EXCLUDED.response, target_id = EXCLUDED.target_id, target_number = EXCLUDED.target_number,
        batch_id = EXCLUDED.batch_id, updated_at = EXCLUDED.updated_at
    ), counted AS (
      UPDATE runs r SET
        unknown = GREATEST(r.unknown - c.n, 0),
        written = r.written + c.found,
        saved = r.saved + c.saved,
        stale = r.stale + c.stale,
        failed = r.failed + c.unverifiable, updated_at = $8::timestamp
      FROM (
        SELECT sending_run_id, count(*)::int AS n,
          count(*) FILTER (WHERE outcome = 'found' AND NOT requeued AND how = 'written')::int AS found,
          count(*) FILTER (WHERE outcome = 'found' AND NOT requeued AND how = 'saved')::int AS saved,
          -- A found update left stale (its RunRecord \`stale\`): counted too, or it would count nowhere.
          count(*) FILTER (WHERE outcome = 'found' AND NOT requeued AND how = 'stale')::int AS stale,
          count(*) FILTER (WHERE outcome = 'unverifiable')::int AS unverifiable
        FROM verdicts GROUP BY 1) c
      WHERE r.id = c.sending_run_id
    )
    SELECT
      -- (Not a found update left stale in create mode: it is not taken for written.)
      count(*) FILTER (WHERE outcome = 'found' AND NOT requeued AND how IS DISTINCT FROM 'stale')::int AS written,
      -- Found and pending again too (changed meanwhile, or maybe an update): the caller writes again.
      count(*) FILTER (WHERE requeued)::int AS requeued,
      count(*) FILTER (WHERE outcome = 'found' AND requeued)::int AS resent,
      count(*) FILTER (WHERE outcome = 'unverifiable')::int AS failed,
      -- Found updates left stale (create mode): the caller's log names them (session 35).
      count(*) FILTER (WHERE outcome = 'found' AND NOT requeued AND how = 'stale')::int AS stale
    FROM verdicts`,
    [
      json,
      input.messages.absent,
      input.messages.unverifiable,
      input.mode,
      input.runId,
      input.attempt,
      input.verdicts.map((v) => v.id.toString()),
      now,
      input.foundAs ?? "written",
      input.messages.foundSaved ?? "",
      input.resendFound ?? "targeted",
      input.messages.foundResent ?? input.messages.absent,
      input.adopt ?? true,
      UPDATE_UNKNOWN_IN_CREATE,
    ],
  );
  return rows[0]!;
}
