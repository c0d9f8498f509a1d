// Records a scheme's filter node (过滤条件) leaves out. The read stages them `filtered` itself
// (stagePage, FILTERED_PAYLOAD_HASH); this is for a pending record a run maps from staging without
// reading it (a retry, a dependency's release, the sweep after the read) that the condition, edited
// since it was staged, now leaves out.
import { hotQuery, type Db } from "../client";
import { FILTERED_PAYLOAD_HASH } from "./stage-page";
import { byInputIds, fenceCte, rowsJson } from "./sql";
import type { AttemptRef } from "./write-protocol";

/**
 * Pending rows → `filtered` (never sent while the condition leaves them out), with what they waited
 * for dropped, added to the run's `filtered` counter. Fenced by the attempt; a row whose staged data
 * changed since it was mapped stays pending (as in markSending). Returns how many were recorded.
 */
export async function recordFiltered(
  db: Db,
  input: AttemptRef & { schemeId: string; mappingKey: string; records: { id: bigint; dataHash?: string | undefined }[] },
): Promise<number> {
  if (input.records.length === 0) return 0;
  const rows = await hotQuery<{ filtered: number }>(
    db,
    `WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(id bigint, data_hash text)
    ), ${fenceCte("$2", "$3")}, updated AS (
      UPDATE source_records s SET
        status = 'filtered', payload_hash = '${FILTERED_PAYLOAD_HASH}', mapped_with = $5, last_error = NULL, batch_id = NULL,
        last_run_id = $2::uuid, updated_at = $6::timestamp
      FROM input i WHERE s.id = i.id AND ${byInputIds("s", "input")} AND s.scheme_id = $4::uuid AND s.status = 'pending'
        AND (coalesce(i.data_hash, '') = '' OR s.data_hash = i.data_hash)
        AND EXISTS (SELECT 1 FROM fence)
      RETURNING s.id
    ), unwaited AS (
      DELETE FROM waiting_records r USING updated u WHERE r.source_record_id = u.id
    ), counted AS (
      UPDATE runs SET filtered = filtered + (SELECT count(*) FROM updated)::int, updated_at = $6::timestamp
      WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM fence) AND EXISTS (SELECT 1 FROM updated)
    )
    SELECT count(*)::int AS filtered FROM updated`,
    [rowsJson(input.records.map((r) => ({ id: r.id, data_hash: r.dataHash ?? null }))), input.runId, input.attempt, input.schemeId, input.mappingKey, new Date().toISOString()],
  );
  return rows[0]!.filtered;
}

/**
 * After a page was staged: its records the filter node left out (`sourceIds`) that this run had
 * failed or left waiting earlier (an earlier pass of the read, or an earlier attempt) move off those
 * counters, and their RunRecord says `filtered`: the run does not end partial, or alert, for a record
 * that nothing will be sent for. (A record this run wrote stays written: the write happened.) Fenced
 * as staging is (the attempt still owns the run). Returns how many moved.
 */
export async function settleFilteredOutcomes(db: Db, input: { runId: string; attempt: number; schemeId: string; sourceIds: string[] }): Promise<number> {
  if (input.sourceIds.length === 0) return 0;
  const rows = await hotQuery<{ moved: number }>(
    db,
    `WITH owner AS MATERIALIZED (SELECT 1 FROM runs WHERE id = $2::uuid AND attempt = $3::int AND status = 'running'),
    prev AS (
      SELECT r.source_record_id AS id, r.status::text AS prev
      FROM source_records s JOIN run_records r ON r.run_id = $2::uuid AND r.source_record_id = s.id
      WHERE s.scheme_id = $1::uuid AND s.source_id = ANY($4::text[]) AND s.status = 'filtered'
        AND r.status IN ('failed', 'waiting') AND EXISTS (SELECT 1 FROM owner)
    ), moved AS (
      UPDATE run_records r SET status = 'filtered', updated_at = $5::timestamp
      FROM prev p WHERE r.run_id = $2::uuid AND r.source_record_id = p.id
      RETURNING 1
    ), counted AS (
      UPDATE runs SET
        failed = GREATEST(failed - (SELECT count(*) FROM prev WHERE prev = 'failed')::int, 0),
        waiting = GREATEST(waiting - (SELECT count(*) FROM prev WHERE prev = 'waiting')::int, 0),
        updated_at = $5::timestamp
      WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM prev)
    )
    SELECT count(*)::int AS moved FROM prev`,
    [input.schemeId, input.runId, input.attempt, input.sourceIds, new Date().toISOString()],
  );
  return rows[0]!.moved;
}
