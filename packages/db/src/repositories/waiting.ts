// Waiting records (等待依赖, issue #13) and the lookups that make them wait. A record whose
// `lookup('方案', key)` finds nothing yet is `waiting`, never sent with an empty reference; its
// waiting_records rows say for which scheme and key. Each run of its scheme releases its waiting
// records (pending again) and maps them anew; a dependency's run that wrote something releases
// them at once (the worker's follow-up, swept up once a minute too); a record that waited longer
// than the limit fails with the reason. What decides when they are released, and when they fail:
// ./waiting-release.ts.
import { hotQuery, type Db } from "../client";
import { byInputIds, fenceCte, outcomeInRun, rowsJson, supersedeCte, uncountPrevious } from "./sql";
import type { AttemptRef } from "./write-protocol";

export interface WaitFor {
  /** The scheme whose writes the record needs. */
  schemeId: string;
  /** Its name as the template wrote it. */
  scheme: string;
  key: string;
  field: string;
  /**
   * When the run looked the key up and found nothing: the record's waiting_records row is checked as
   * of then (waitsReadyToRelease), not as of when its wait is recorded, which may be much later (the
   * run keeps the answer).
   */
  checkedAt: Date;
  /**
   * The dependency has the key staged as left out by its filter node, nothing written for it
   * (WrittenAnswers.leftOut): it is never written while that filter stands.
   */
  leftOut?: boolean | undefined;
}

export interface WaitingRecordInput {
  id: bigint;
  sourceId: string;
  hash: string;
  payload: Record<string, unknown>;
  /** What it waits for, one entry per scheme (the first key and field missing from it). */
  waits: WaitFor[];
  /** Why, as the run's record lists show it. */
  reason: string;
  /** The field the reason names (the RunRecord's error field); default: the first wait's. */
  field?: string | undefined;
  /** As MappingFailure.dataHash: the row waits only while it still holds the data mapped. */
  dataHash?: string | undefined;
}

/**
 * Pending records whose lookups found nothing yet: `waiting`, with a RunRecord saying what for, and
 * their waiting_records rows (`since` kept from an earlier wait, so the limit counts from the
 * first). Fenced by the attempt; adds to the run's `waiting` counter the records that did not wait
 * in this run yet. A row whose staged data changed since it was mapped stays pending (as in
 * markSending). What waits drops the retry policy's state of an earlier failure (class, step, due
 * time, dead-letter mark). Returns how many now wait.
 */
export async function recordWaiting(db: Db, input: AttemptRef & { schemeId: string; records: WaitingRecordInput[] }): Promise<number> {
  if (input.records.length === 0) return 0;
  const now = new Date().toISOString();
  const json = rowsJson(
    input.records.map((r) => ({
      id: r.id,
      source_id: r.sourceId,
      hash: r.hash,
      payload: r.payload,
      reason: r.reason,
      field: r.field ?? r.waits[0]?.field ?? "",
      waits: r.waits.map((w) => ({ scheme_id: w.schemeId, scheme: w.scheme, key: w.key, field: w.field, checked_at: w.checkedAt.toISOString(), left_out: w.leftOut ?? false })),
      data_hash: r.dataHash ?? null,
    })),
  );
  const rows = await hotQuery<{ waiting: number }>(
    db,
    `WITH input AS (
      SELECT * FROM jsonb_to_recordset($1::jsonb)
        AS t(id bigint, source_id text, hash text, payload jsonb, reason text, field text, waits jsonb, data_hash text)
    ), ${fenceCte("$2", "$4")}, updated AS (
      UPDATE source_records s SET
        status = 'waiting', payload_hash = i.hash, mapped_with = NULL, last_error = i.reason, batch_id = NULL,
        outcome_entry = NULL, last_run_id = $2::uuid, updated_at = $3::timestamp,
        -- Waiting is no failure of the retry policy: no class, step, due time or dead-letter mark
        -- from an earlier failure (expireWaiting would fail it with them: session 32).
        error_class = NULL, retry_step = 0, retry_at = NULL, dead_at = NULL, retry_prior = NULL
      FROM input i WHERE s.id = i.id AND ${byInputIds("s", "input")} AND s.status = 'pending'
        -- Still the data the payload was mapped from (see WaitingRecordInput.dataHash).
        AND (coalesce(i.data_hash, '') = '' OR s.data_hash = i.data_hash)
        AND EXISTS (SELECT 1 FROM fence)
      RETURNING s.id
    ), ${supersedeCte(
      "superseded",
      // Written earlier in this run (then changed)? The rows as this statement found them.
      `SELECT $2::uuid AS run_id, o.outcome_entry AS entry FROM updated u JOIN source_records o ON o.id = u.id`,
    )}, wanted AS (
      SELECT i.id, w.scheme_id, w.scheme, w.key, w.field, w.checked_at, w.left_out
      FROM input i JOIN updated u ON u.id = i.id
      CROSS JOIN LATERAL jsonb_to_recordset(i.waits) AS w(scheme_id uuid, scheme text, key text, field text, checked_at timestamptz, left_out boolean)
    ), upserted AS (
      INSERT INTO waiting_records AS r (source_record_id, waits_for_scheme_id, scheme_id, waits_for, key, field, since, checked_at, left_out)
      SELECT id, scheme_id, $5::uuid, scheme, key, field, $3::timestamptz, checked_at, coalesce(left_out, false) FROM wanted
      ON CONFLICT (source_record_id, waits_for_scheme_id) DO UPDATE SET
        waits_for = EXCLUDED.waits_for, key = EXCLUDED.key, field = EXCLUDED.field, checked_at = EXCLUDED.checked_at,
        left_out = EXCLUDED.left_out
    ), dropped AS (
      -- What the record no longer waits for (its data or the mapping changed).
      DELETE FROM waiting_records r USING updated u
      WHERE r.source_record_id = u.id
        AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.id = r.source_record_id AND w.scheme_id = r.waits_for_scheme_id)
    ), recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_field, payload, created_at, updated_at)
      SELECT $2::uuid, i.id, i.source_id, 'waiting', i.reason, i.field, i.payload, $3::timestamp, $3::timestamp
      FROM input i JOIN updated u ON u.id = i.id
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = 'waiting', error = EXCLUDED.error, error_field = EXCLUDED.error_field, payload = EXCLUDED.payload,
        response = NULL, batch_id = NULL, target_id = NULL, target_number = NULL, updated_at = EXCLUDED.updated_at
    ), prevs AS (
      -- What the run counted for each record before (written or failed earlier in it, then staged
      -- again with data that waits): the rows as this statement found them. It moves off that counter.
      SELECT u.id, ${outcomeInRun("$2::uuid", "u.id", "o.outcome_entry")} AS prev
      FROM updated u JOIN source_records o ON o.id = u.id
    ), counted AS (
      -- A record counts once per run: one this run recorded as waiting already (a resumed attempt or
      -- a second read pass stages it again, pending, and it waits again) moves from waiting to
      -- waiting, adding nothing. The run_records rows as this statement found them (before the insert above).
      UPDATE runs SET
        ${uncountPrevious("prevs", { waiting: "(SELECT count(*) FROM prevs)::int" })},
        updated_at = $3::timestamp
      WHERE id = $2::uuid AND EXISTS (SELECT 1 FROM fence)
    )
    SELECT count(*)::int AS waiting FROM updated`,
    [json, input.runId, now, input.attempt, input.schemeId],
  );
  return rows[0]!.waiting;
}

/**
 * The scheme's waiting records become pending, to be mapped again by this run (their lookups may
 * find what they waited for now). Fenced by the attempt. Their waiting_records rows stay until the
 * run's write phase ends (clearFinishedWaits), so a record that waits again keeps its `since`.
 */
export async function releaseWaiting(db: Db, input: AttemptRef & { schemeId: string }): Promise<number> {
  const rows = await hotQuery<{ released: number }>(
    db,
    `WITH ${fenceCte("$2", "$3")}, released AS (
      UPDATE source_records s SET status = 'pending', updated_at = now()
      FROM (SELECT DISTINCT source_record_id FROM waiting_records WHERE scheme_id = $1::uuid) w
      WHERE s.id = w.source_record_id AND s.scheme_id = $1::uuid AND s.status = 'waiting' AND EXISTS (SELECT 1 FROM fence)
      RETURNING s.id
    )
    SELECT count(*)::int AS released FROM released`,
    [input.schemeId, input.runId, input.attempt],
    true,
  );
  return rows[0]!.released;
}

/** Deletes the waiting_records rows of the scheme's records that no longer wait. */
export async function clearFinishedWaits(db: Db, schemeId: string): Promise<number> {
  const rows = await hotQuery<{ cleared: number }>(
    db,
    `WITH cleared AS (
      DELETE FROM waiting_records w USING source_records s
      WHERE w.scheme_id = $1::uuid AND s.id = w.source_record_id AND s.status <> 'waiting'
      RETURNING 1
    )
    SELECT count(*)::int AS cleared FROM cleared`,
    [schemeId],
    true,
  );
  return rows[0]!.cleared;
}

export interface WrittenLookup {
  /** The scheme whose staging is read. */
  schemeId: string;
  /** A top-level field of its source records; undefined: its source id. */
  keyField: string | undefined;
  returnField: "number" | "id";
  keys: string[];
}

/** What a scheme wrote for the keys asked (lookupWritten). */
export interface WrittenAnswers {
  /** Key → the target number (or id) written for it. */
  written: Map<string, string>;
  /**
   * Keys with nothing written whose every staged record the scheme's filter node leaves out
   * (`filtered`): not "not yet", but never while that filter stands.
   */
  leftOut: Set<string>;
}

/**
 * What a scheme wrote for these source keys, from staging (no ERP call): key → the target number
 * (or id). Only records written successfully at least once count (`written_hash` set): a record
 * that waits, failed or is being sent has no number to give, nor has one a reconciliation found
 * missing in the target and its resync took (claimResync clears `written_hash`: the record waits
 * until the resync writes it again), nor one whose number was written to a target the scheme has
 * switched from (forgetWrittenTarget leaves a row `sending` or `unknown` its written hash for the
 * write protocol, without the number: no number, no answer; session 32). A record written and then
 * left out by the filter still counts
 * (Qiao never removes what it wrote). By source id: one index probe per key; by another field: a
 * scan of the scheme's rows (json, not indexed), the first written match in id order.
 */
export async function lookupWritten(db: Db, input: WrittenLookup): Promise<WrittenAnswers> {
  const keys = [...new Set(input.keys)];
  const answers: WrittenAnswers = { written: new Map(), leftOut: new Set() };
  if (keys.length === 0) return answers;
  const column = input.returnField === "id" ? "target_id" : "target_number";
  const rows =
    input.keyField === undefined
      ? await hotQuery<{ key: string; value: string | null; leftOut: boolean }>(
          db,
          // (scheme_id, source_id) is unique: at most one row per key.
          `SELECT k.key, s.value, s.left_out AS "leftOut"
          FROM unnest($2::text[]) AS k(key)
          JOIN LATERAL (
            SELECT CASE WHEN written_hash IS NOT NULL AND target_number IS NOT NULL THEN ${column} END AS value, status = 'filtered' AS left_out
            FROM source_records
            WHERE scheme_id = $1::uuid AND source_id = k.key
            LIMIT 1
          ) s ON true`,
          [input.schemeId, keys],
        )
      : await hotQuery<{ key: string; value: string | null; leftOut: boolean }>(
          db,
          `SELECT x.key, (array_agg(x.value ORDER BY x.id) FILTER (WHERE x.value IS NOT NULL))[1] AS value,
            bool_and(x.status = 'filtered') AS "leftOut"
          FROM (
            SELECT s.data->>$3 AS key, s.id, s.status, CASE WHEN s.written_hash IS NOT NULL AND s.target_number IS NOT NULL THEN s.${column} END AS value
            FROM source_records s
            WHERE s.scheme_id = $1::uuid AND s.data->>$3 = ANY($2::text[])
          ) x
          GROUP BY x.key`,
          [input.schemeId, keys, input.keyField],
          true,
        );
  for (const r of rows) {
    if (r.value !== null) answers.written.set(r.key, r.value);
    else if (r.leftOut) answers.leftOut.add(r.key);
  }
  return answers;
}

/** Scheme ids by name (lookups name schemes): every scheme with one of these names. */
export async function schemeIdsByName(db: Db, names: string[]): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  if (names.length === 0) return found;
  const rows = await db.scheme.findMany({ where: { name: { in: names } }, select: { id: true, name: true } });
  for (const row of rows) found.set(row.name, [...(found.get(row.name) ?? []), row.id]);
  return found;
}
