// The write protocol's statements for records of a batch that end without the target's answer
// (DESIGN.md, Runs): mapping failures (never sent) and a batch put back to pending because its call
// certainly did not happen. Each is one SQL statement fenced by the attempt (./sql.ts): a superseded
// attempt, or one whose lease ran out, changes nothing.
import { hotQuery, type Db } from "../client";
import { numberClaimKey, unsentClaimsCte } from "./number-claims";
import { byInputIds, fenceCte, outcomeInRun, ownsEntry, rowsJson, supersedeCte, uncountPrevious } from "./sql";
import type { AttemptRef } from "./write-protocol";

export interface MappingFailure {
  id: bigint;
  sourceId: string;
  hash: string;
  payload: Record<string, unknown>;
  error: string;
  errorField: string | null;
  /**
   * The hash of the staged data the payload was mapped from: the row fails only while it still
   * holds that data, as markSending marks it (SendingRecordInput.dataHash). Without it, no check.
   */
  dataHash?: string | undefined;
}

/**
 * Pending records whose mapping failed: failed with a RunRecord, the target is not called. Fenced.
 * A row whose staged data changed since it was mapped (a newer copy of the record, read on a later
 * page, to be sent or failed by its own batch) is left pending, as markSending leaves it.
 */
export async function recordMappingFailures(db: Db, input: AttemptRef & { failures: MappingFailure[] }): Promise<number> {
  if (input.failures.length === 0) return 0;
  const now = new Date().toISOString();
  const json = rowsJson(
    input.failures.map((f) => ({ id: f.id, source_id: f.sourceId, hash: f.hash, payload: f.payload, error: f.error, error_field: f.errorField, data_hash: f.dataHash ?? null })),
  );
  const rows = await hotQuery<{ failed: number }>(
    db,
    `WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb)
        AS t(id bigint, source_id text, hash text, payload jsonb, error text, error_field text, data_hash text)
    ), ${fenceCte("$2", "$4")}, updated AS (
      UPDATE source_records s SET
        status = 'failed', payload_hash = i.hash, mapped_with = NULL, last_error = i.error, batch_id = NULL,
        error_class = 'data', retry_step = 0, retry_at = NULL, dead_at = NULL, outcome_entry = NULL,
        last_run_id = $2::uuid, updated_at = $3::timestamp
      FROM input i WHERE s.id = i.id AND ${byInputIds("s", "input")} AND s.status = 'pending'
        -- Still the data the payload was mapped from (see MappingFailure.dataHash).
        AND (coalesce(i.data_hash, '') = '' OR s.data_hash = i.data_hash)
        AND EXISTS (SELECT 1 FROM fence)
      RETURNING s.id
    ), ${supersedeCte(
      "superseded",
      // The rows as this statement found them (its snapshot): written earlier in this run?
      `SELECT $2::uuid AS run_id, o.outcome_entry AS entry FROM updated u JOIN source_records o ON o.id = u.id`,
    )}, prevs AS (
      -- What the run counted for these records before (the rows as this statement found them).
      SELECT ${outcomeInRun("$2::uuid", "u.id", "o.outcome_entry")} AS prev
      FROM updated u JOIN source_records o ON o.id = u.id
    ), counted AS (
      -- Counted here, with the failures recorded (not with the batch's answer, which a batch put
      -- back or taken over never gets): each failed once, moved from what the run counted before.
      UPDATE runs SET
        ${uncountPrevious("prevs", { failed: "(SELECT count(*) FROM updated)::int" })},
        updated_at = $3::timestamp
      WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM updated)
    ), recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_field, error_class, payload, created_at, updated_at)
      SELECT $2::uuid, i.id, i.source_id, 'failed', i.error, i.error_field, 'data', i.payload, $3::timestamp, $3::timestamp
      FROM input i JOIN updated u ON u.id = i.id
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = 'failed', error = EXCLUDED.error, error_field = EXCLUDED.error_field, error_class = 'data', payload = EXCLUDED.payload,
        response = NULL, batch_id = NULL, target_id = NULL, target_number = NULL, updated_at = EXCLUDED.updated_at
    )
    SELECT count(*)::int AS failed FROM updated`,
    [json, input.runId, now, input.attempt],
  );
  return rows[0]!.failed;
}

/**
 * A batch call put back to pending because the target certainly did not process it (refused
 * credentials, throttled, malformed request, never sent). Fenced: a superseded attempt's batch
 * stays `sending` and is treated as unknown by the attempt that owns the run now.
 */
export async function releaseSending(
  db: Db,
  input: AttemptRef & {
    schemeId: string;
    batchId: string;
    /**
     * The batch's records with the target numbers they were marked under: a record put back unsent
     * makes its claim's last send one that wrote nothing (target_number_claims.sends). Without them
     * the claims stay as the mark left them (on the safe side: the number is not handed over).
     */
    numbers?: readonly { id: bigint; number?: string | undefined }[];
  },
): Promise<number> {
  // Found through (scheme_id, status, id): only the batch in flight is `sending` (there is no
  // batch_id index). No RunRecord to drop: one is written only with an answer or a verdict. The
  // batch's row (its payloads, no entries yet) goes with it; `sending_entry` is left as it was (it
  // means something only while `sending`), so it finds the row.
  const rows = await hotQuery<{ n: number }>(
    db,
    `WITH ${fenceCte("$3", "$4")}, released AS (
      UPDATE source_records SET status = 'pending', batch_id = NULL, sending_payload = NULL, sending_run_id = NULL, updated_at = $5::timestamp
      WHERE scheme_id = $1::uuid AND status = 'sending' AND batch_id = $2
        AND sending_run_id IS NOT DISTINCT FROM $3::uuid AND EXISTS (SELECT 1 FROM fence)
      RETURNING id, sending_entry
    ), ${unsentClaimsCte(
      "unsent",
      `SELECT r.id, $1::uuid AS scheme_id, n.k FROM released r JOIN unnest($6::bigint[], $7::text[]) AS n(id, k) ON n.id = r.id`,
    )}, dropped AS (
      DELETE FROM run_written_batches b
      WHERE b.run_id = $3::uuid AND b.batch_id = $2 AND b.written = 0
        AND ${ownsEntry("b", "(SELECT min(sending_entry) FROM released)")}
    )
    SELECT count(*)::int AS n FROM released`,
    [input.schemeId, input.batchId, input.runId, input.attempt, new Date().toISOString(), ...numberKeys(input.numbers ?? [])],
  );
  return rows[0]!.n;
}

/** Ids and claim keys, as two arrays for unnest: the records that carry a number. */
function numberKeys(records: readonly { id: bigint; number?: string | undefined }[]): [string[], string[]] {
  const ids: string[] = [];
  const keys: string[] = [];
  for (const r of records) {
    const key = r.number === undefined ? "" : numberClaimKey(r.number);
    if (key === "") continue;
    ids.push(r.id.toString());
    keys.push(key);
  }
  return [ids, keys];
}
