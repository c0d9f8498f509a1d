// What staging (./stage-page.ts) does with a row that is there already: the upsert's ON CONFLICT
// clause, in the statement that stages a page (the hot path of a read: docs/performance.md). Apart
// from stage-page.ts only to keep each file readable.

/**
 * The payload hash a record the scheme's filter node leaves out is staged with (no mapped payload has
 * it: those are 22-character base64url). Staged with it, a record is `filtered` (never sent); read
 * again and passing, its real hash makes it pending, or written if equal to the written hash.
 */
export const FILTERED_PAYLOAD_HASH = "filtered";

/**
 * SQL: the row is `failed` and the upsert makes it something else (its payload changed: pending,
 * stale, written or filtered). The negation of `status`'s branch that keeps it failed, below.
 */
const LEAVES_FAILED = `s.status = 'failed' AND NOT COALESCE(EXCLUDED.payload_hash <> '${FILTERED_PAYLOAD_HASH}'
          AND s.written_hash IS DISTINCT FROM EXCLUDED.payload_hash AND s.payload_hash = EXCLUDED.payload_hash, false)`;

/** The upsert's ON CONFLICT clause (see stage-page.ts, sendStatement; `$4`: the write mode). */
export const ON_CONFLICT = `      ON CONFLICT (scheme_id, source_id) DO UPDATE SET
        data = EXCLUDED.data,
        data_hash = EXCLUDED.data_hash,
        -- A bill saved but not audited keeps the hash of what was saved: the audit makes that the
        -- written hash (saved-bills.ts). Its mapping key is dropped when the payload differs, so the
        -- first run after the audit maps it again and finds it changed (stale, or pending to update).
        payload_hash = CASE WHEN s.status = 'saved' THEN s.payload_hash ELSE EXCLUDED.payload_hash END,
        mapped_with = CASE WHEN s.status = 'saved' AND s.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash THEN NULL
          ELSE EXCLUDED.mapped_with END,
        status = CASE
          WHEN s.status IN ('sending', 'unknown', 'saved') THEN s.status
          WHEN EXCLUDED.payload_hash = '${FILTERED_PAYLOAD_HASH}' THEN 'filtered'::record_status
          WHEN s.written_hash = EXCLUDED.payload_hash THEN 'written'::record_status
          WHEN s.status = 'failed' AND s.payload_hash = EXCLUDED.payload_hash THEN s.status
          WHEN s.written_hash IS NOT NULL AND $4::text = 'create' THEN 'stale'::record_status
          ELSE 'pending'::record_status END,
        -- A failed row that stops being failed (it changed) is no failure of the retry policy any
        -- more: its class, step, due time, dead-letter mark and a retry's prior state go (session 32).
        -- Kept, a dead letter that changed and then failed otherwise (a wait past its limit) was
        -- listed as a transient dead letter, and one with a due time was taken by an automatic retry.
        -- Set expressions only, no statement more; an unchanged value keeps the update HOT.
        error_class = CASE WHEN ${LEAVES_FAILED} THEN NULL ELSE s.error_class END,
        retry_step = CASE WHEN ${LEAVES_FAILED} THEN 0 ELSE s.retry_step END,
        retry_at = CASE WHEN ${LEAVES_FAILED} THEN NULL ELSE s.retry_at END,
        dead_at = CASE WHEN ${LEAVES_FAILED} THEN NULL ELSE s.dead_at END,
        retry_prior = CASE WHEN ${LEAVES_FAILED} THEN NULL ELSE s.retry_prior END,
        -- The run that last staged it to be sent, or sent it. A row that stays written, failed or
        -- saved keeps the run that wrote, failed or saved it: the failed records' list shows that
        -- run's RunRecord (the field, the reason), and pruneRuns keeps it for them.
        last_run_id = CASE
          WHEN s.status = 'saved' THEN s.last_run_id
          WHEN s.status IN ('sending', 'unknown') THEN EXCLUDED.last_run_id
          WHEN s.written_hash = EXCLUDED.payload_hash THEN s.last_run_id
          WHEN s.status = 'failed' AND s.payload_hash = EXCLUDED.payload_hash THEN s.last_run_id
          ELSE EXCLUDED.last_run_id END,
        updated_at = EXCLUDED.updated_at
      WHERE s.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash
         OR s.data_hash IS DISTINCT FROM EXCLUDED.data_hash
         OR s.mapped_with IS DISTINCT FROM EXCLUDED.mapped_with
         OR (s.status = 'stale' AND $4::text = 'upsert')`;
