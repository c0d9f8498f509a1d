// Staging ("数据湖"): pages of source records upserted by (scheme, source id), each in one or two
// statements fed with arrays, so a page costs a round trip or two whatever its size. What a write or
// retry takes from staging is in ./staging.ts.
import type { WriteMode } from "@qiao/core";
import type { RunStatus } from "../../generated/prisma/enums";
import { hotQuery, type Db } from "../client";
import { isUniqueViolation } from "../db-errors";
import { stagingHash } from "../staging-hash";
import { FILTERED_PAYLOAD_HASH, ON_CONFLICT } from "./stage-conflict";
import type { RunAfterBatch } from "./write-protocol";

export interface StagedRecord {
  sourceId: string;
  data: Record<string, unknown>;
}

export interface StagePageResult {
  /** New, changed (upsert mode) or still pending: to be written. */
  toWrite: number;
  /** Unchanged since written (before this run). */
  unchanged: number;
  /**
   * Written, failed or saved by this run already: read again by a later pass or attempt of the run
   * (the run counted them when it wrote them; they are neither skipped nor written again).
   */
  done: number;
  /** Changed after being written, but the scheme only creates. */
  stale: number;
  /** Still failed from an earlier run, unchanged (retried by a retry run, or when it changes). */
  failedUnchanged: number;
  /** Left out by the scheme's filter node (staged as `filtered`: FILTERED_PAYLOAD_HASH). */
  filtered: number;
  /** Rows seen for the first time. */
  inserted: number;
  /** Records sent with their data: new, or changed in data or payload (the rest were unchanged). */
  changed: number;
  /** With `progress`: the run after its counters were added (see reportProgress). */
  run?: RunAfterBatch;
  /**
   * False: the attempt no longer owns the run (another attempt took it over, or it ended), and the
   * statement staged nothing and counted nothing. The caller stops: it must not go on (a read it
   * completed would move the scheme's cursor past records it never staged).
   */
  owner: boolean;
  /**
   * The page's rows that are `pending` now (new, changed, or left pending), with their ids: the
   * engine writes them from the payloads it just mapped instead of reading them back. Rows being
   * sent, or whose outcome is unknown, are counted in `toWrite` but not listed: the write protocol
   * owns them until their outcome is known. `dataHash` is the hash of the data staged (the mark
   * sends a row only while it still holds that data: markSending).
   */
  pending: { id: bigint; sourceId: string; dataHash: string }[];
}

type StageCounts = Omit<StagePageResult, "pending" | "changed">;

export { FILTERED_PAYLOAD_HASH };


interface StageRow extends StageCounts {
  pendingIds: string[] | null;
  pendingSourceIds: string[] | null;
  cancelRequested: boolean | null;
  attempt: number | null;
  status: RunStatus | null;
}

function stageResult(rows: StageRow[], changed: number, dataHash: (sourceId: string) => string): StagePageResult {
  const row = rows[0]!;
  // Nothing was staged or counted: what the statement saw of the rows is not the attempt's to act on.
  if (!row.owner) return { toWrite: 0, unchanged: 0, done: 0, stale: 0, failedUnchanged: 0, filtered: 0, inserted: 0, changed: 0, owner: false, pending: [] };
  const ids = row.pendingIds ?? [];
  const sourceIds = row.pendingSourceIds ?? [];
  return {
    toWrite: row.toWrite,
    unchanged: row.unchanged,
    done: row.done,
    stale: row.stale,
    failedUnchanged: row.failedUnchanged,
    filtered: row.filtered,
    inserted: row.inserted,
    changed,
    owner: row.owner,
    pending: ids.map((id, i) => ({ id: BigInt(id), sourceId: sourceIds[i]!, dataHash: dataHash(sourceIds[i]!) })),
    ...(row.attempt !== null && { run: { cancelRequested: row.cancelRequested ?? false, attempt: row.attempt, status: row.status! } }),
  };
}

/**
 * SQL: the attempt's hold on the run (a CTE, `owner`): a row while attempt `attempt` runs `runId`.
 * What the staging and the run's counters are fenced by: an attempt taken over while it read (a
 * stalled worker) stages and counts nothing (session 26). Not the lease: reading does not need one
 * the way a send does, and an attempt whose lease lapsed but which nobody took over may go on.
 */
function ownerCte(runId: string, attempt: string): string {
  return `owner AS MATERIALIZED (SELECT 1 FROM runs WHERE id = ${runId}::uuid AND attempt = ${attempt}::int AND status = 'running')`;
}

/**
 * The page's counts and pending rows, from `outcome` (source_id, id, status, inserted, last_run_id);
 * with progress (parameter $progress = true) added to the run's counters in the same statement, as
 * reportProgress would: total, fetched + $fetched, skipped + $skipped + the page's skipped rows.
 * Records the run read before (`$again`: source ids read by an earlier pass or earlier in this one)
 * are in no count, and rows this run wrote, failed or saved already are `done`, not skipped: a record
 * read twice counts once (stagePage's `again`). Their pending rows are still listed.
 */
function stageSummary(p: { runId: string; attempt: string; progress: string; total: string; fetched: string; skipped: string; filtered: string; again: string; now: string; also?: string }): string {
  return `, classified AS (
      SELECT id, source_id, status, inserted,
        source_id = ANY(${p.again}::text[]) AS again,
        status IN ('written', 'failed', 'saved') AND last_run_id IS NOT DISTINCT FROM ${p.runId}::uuid AS mine
      FROM outcome
    ), summary AS (
      SELECT
        count(*) FILTER (WHERE NOT again AND status IN ('pending', 'sending', 'unknown'))::int AS "toWrite",
        count(*) FILTER (WHERE NOT again AND mine)::int AS "done",
        count(*) FILTER (WHERE NOT again AND NOT mine AND status = 'written')::int AS "unchanged",
        count(*) FILTER (WHERE NOT again AND status = 'stale')::int AS "stale",
        count(*) FILTER (WHERE NOT again AND NOT mine AND status IN ('failed', 'saved'))::int AS "failedUnchanged",
        count(*) FILTER (WHERE NOT again AND status = 'filtered')::int AS "filtered",
        count(*) FILTER (WHERE inserted)::int AS "inserted",
        -- JSON arrays, not text[]: pg parses a text[] result character by character in JS, JSON with
        -- JSON.parse (issue #16).
        json_agg(id::text ORDER BY id) FILTER (WHERE status = 'pending') AS "pendingIds",
        json_agg(source_id ORDER BY id) FILTER (WHERE status = 'pending') AS "pendingSourceIds"
      FROM classified
    ), counted AS (
      UPDATE runs SET
        phase = 'reading',
        total = ${p.total}::int,
        fetched = fetched + ${p.fetched}::int,
        skipped = skipped + ${p.skipped}::int + (SELECT "unchanged" + "stale" + "failedUnchanged" FROM summary),
        filtered = filtered + ${p.filtered}::int + (SELECT "filtered" FROM summary),
        updated_at = ${p.now}::timestamp
      WHERE id = ${p.runId}::uuid AND ${p.progress}::boolean AND attempt = ${p.attempt}::int AND status = 'running'
      RETURNING cancel_requested, attempt, status
    )
    SELECT m.*, r.cancel_requested AS "cancelRequested", r.attempt, r.status::text AS status,
      EXISTS (SELECT 1 FROM owner) AS owner${p.also ? `, ${p.also}` : ""}
    FROM summary m LEFT JOIN counted r ON true`;
}

/**
 * Between the records' JSON texts in the statement that stages them: JSON.stringify escapes every
 * control character, so no text holds one. One string split by Postgres (string_to_array) instead of
 * a text[] parameter, whose literal pg builds by escaping each quote and backslash of each text with
 * two regular expressions: ~1.5 µs of worker CPU per record (issue #16).
 */
const DATA_TEXT_SEPARATOR = "\n";

/** The rows the upsert left as they were (see sendStatement). */
const UNTOUCHED = `  , untouched AS (
      -- Rows that were there and did not change: their status as the statement found it. Only the
      -- records the upsert did not return are looked up (none on a page of new records); LATERAL …
      -- LIMIT 1 keeps it one probe of the (scheme, source id) index each.
      SELECT s.id, i.source_id, s.status, false AS inserted, s.last_run_id
      FROM input i CROSS JOIN LATERAL (
        SELECT id, status, last_run_id FROM source_records
        WHERE scheme_id = $2::uuid AND source_id = i.source_id
        LIMIT 1
      ) s
      WHERE NOT EXISTS (SELECT 1 FROM upserted u WHERE u.source_id = i.source_id)
    )`;

/**
 * The statement that stages the records sent, with their data: the upsert, or with `insert` a plain
 * INSERT (every record new: a row that exists fails it with a unique violation, see stagePage).
 */
function sendStatement(insert: boolean): string {
  return `WITH ${ownerCte("$3", "$15")}, input AS (
      -- Arrays, not one JSON document: the records' texts are split (cheap) and parsed once, by the
      -- insert's cast (a JSON document of the page parsed each record three times: issue #16). The
      -- texts come as one string, a line each (JSON.stringify writes no raw newline): as a text[]
      -- literal, pg escaped every quote of every record (see DATA_TEXT_SEPARATOR).
      -- The write mode ($4) is named here too: the plain INSERT does not use it, and a statement must
      -- give every parameter a type.
      SELECT *, $4::text AS mode FROM unnest($1::text[], $11::text[], $12::text[], string_to_array($13::text, E'\\n')) AS t(source_id, payload_hash, data_hash, data_text)
    ), upserted AS (
      -- The page's records are new or changed (staging probed them first), or mostly new (a first
      -- run): they go straight to the upsert, whose WHERE leaves unchanged rows as they are, or
      -- to a plain INSERT when they are all new.
      INSERT INTO source_records AS s (scheme_id, source_id, data, data_hash, payload_hash, mapped_with, status, last_run_id, created_at, updated_at)
      SELECT $2::uuid, i.source_id, i.data_text::json, i.data_hash, i.payload_hash, $9,
        CASE WHEN i.payload_hash = '${FILTERED_PAYLOAD_HASH}' THEN 'filtered'::record_status ELSE 'pending'::record_status END, $3::uuid, $5::timestamp, $5::timestamp
      FROM input i WHERE EXISTS (SELECT 1 FROM owner)
${insert ? "" : ON_CONFLICT}      RETURNING s.id, s.source_id, s.status, (xmax = 0) AS inserted, s.last_run_id
    )
${insert ? "" : UNTOUCHED}, outcome AS (
      SELECT id, source_id, status, inserted, last_run_id FROM upserted
      ${insert ? "" : "UNION ALL SELECT id, source_id, status, inserted, last_run_id FROM untouched"}
    )
    ${stageSummary({ runId: "$3", attempt: "$15", progress: "$6", total: "$7", fetched: "$8", skipped: "$10", filtered: "$16", again: "$14", now: "$5" })}`;
}

/** The probe of a page's ids and data hashes (see stagePage's `probe`). */
const PROBE_STATEMENT = `WITH ${ownerCte("$6", "$13")}, current AS (
        SELECT i.source_id, s.id, s.status, s.last_run_id,
          s.id IS NULL OR s.data_hash IS DISTINCT FROM i.data_hash OR s.mapped_with IS DISTINCT FROM $4
            OR (s.status = 'stale' AND $5::text = 'upsert') AS changed
        FROM unnest($2::text[], $3::text[]) AS i(source_id, data_hash)
        LEFT JOIN LATERAL (
          SELECT id, status, data_hash, mapped_with, last_run_id FROM source_records
          WHERE scheme_id = $1::uuid AND source_id = i.source_id
          LIMIT 1
        ) s ON true
      ), outcome AS (
        SELECT source_id, id, status, false AS inserted, last_run_id FROM current WHERE NOT changed
      )
      ${stageSummary({
        runId: "$6",
        attempt: "$13",
        progress: "$7",
        total: "$8",
        fetched: "$9",
        skipped: "$11",
        filtered: "$14",
        again: "$12",
        now: "$10",
        also: `(SELECT json_agg(source_id) FROM current WHERE changed) AS changed,
          (SELECT count(*) FROM current WHERE changed AND id IS NOT NULL)::int AS "changedExisting"`,
      })}`;

// Built once: hotQuery names a statement by its text (a Map lookup that hashes a new string each time).
const INSERT_STATEMENT = sendStatement(true);
const UPSERT_STATEMENT = sendStatement(false);

/**
 * Upserts one page of source records by (scheme, source id). A row's status follows the hash of
 * its mapped payload: equal to the written hash → written (skipped); changed after being written →
 * stale in create mode, pending in upsert mode; new → pending. Rows whose data and hash did not
 * change are not rewritten at all (a large scheme read every few minutes must not churn the table).
 * Rows being sent keep their status: the recovery of the write protocol owns them. So do bills saved
 * but not audited (`saved`): they exist in the target, and only an audit may follow.
 *
 * A record's data is compared by the md5 of its JSON text (`data_hash`, see stagingHash), never as jsonb. With
 * `probe`, the page's ids and data hashes go first: a record whose data is unchanged and whose
 * payload was mapped with the same `mappingKey` keeps its payload hash without being mapped again,
 * and only new or changed records are mapped and sent with their data. What a rerun of an unchanged
 * source costs is one index probe per record and a few bytes. Without `probe`, everything is mapped
 * and goes in one statement (cheaper when most of the page is new; the engine picks by the page
 * before).
 *
 * Records known to be new (the probe found none of them) or expected to be (`fresh`) go as a plain
 * INSERT: ON CONFLICT's speculative insertion costs each row a check of the unique index before its
 * insert, a lock and a confirmation record in the WAL (docs/performance.md). If one exists after
 * all (the guess was wrong, or another writer staged it meanwhile), the INSERT fails as a whole with
 * a unique violation, and the page goes again as the upsert: nothing of the failed statement stays.
 */
export async function stagePage(
  db: Db,
  input: {
    schemeId: string;
    runId: string;
    /** The attempt staging: nothing is staged or counted once it no longer owns the run (`owner`). */
    attempt: number;
    mode: WriteMode;
    records: StagedRecord[];
    /**
     * The hash of record i's mapped payload (see the engine's payloadHash). Asked only for the
     * records staging sends: with `probe`, a record whose data and mapping are unchanged is not
     * mapped at all.
     */
    payloadHash: (index: number) => string;
    /**
     * What the payloads are mapped with: the mapping and the values of the variables it uses
     * (the engine's mappingKey). Kept on each row as `mapped_with`.
     */
    mappingKey: string;
    probe?: boolean;
    /** Without `probe`: the records are likely all new (the page before was), try a plain INSERT first. */
    fresh?: boolean;
    /**
     * Adds to the run's counters in the same statement: the source's total, `fetched` records read
     * and `skipped` skipped (besides this page's skipped rows, which the statement counts).
     */
    progress?: { total: number | null; fetched: number; skipped: number; filtered?: number };
    /**
     * Source ids of the page the run read before (an earlier pass or attempt's read of the window,
     * or earlier in this pass): staged as the others, but in none of the counts (the run counted
     * them when it first read them).
     */
    again?: string[];
  },
): Promise<StagePageResult> {
  const texts = input.records.map((r) => JSON.stringify(r.data));
  const hashes = texts.map((t) => stagingHash("md5", t));
  // A page's source ids are unique (the engine keeps the last copy of each).
  let indexOf: Map<string, number> | undefined;
  const dataHash = (sourceId: string): string => hashes[(indexOf ??= new Map(input.records.map((r, i) => [r.sourceId, i]))).get(sourceId)!]!;
  const { progress } = input;
  const again = input.again ?? [];
  const now = new Date().toISOString();
  let send = input.records.map((_, i) => i);
  let probed: (StageRow & { changed: string[] | null; changedExisting: number }) | undefined;
  let insert = input.fresh === true && !input.probe;
  let fetched = progress?.fetched ?? 0;
  let skipped = progress?.skipped ?? 0;
  let filtered = progress?.filtered ?? 0;
  if (input.probe) {
    const rows = await hotQuery<StageRow & { changed: string[] | null; changedExisting: number }>(
      db,
      PROBE_STATEMENT,
      [
        input.schemeId,
        input.records.map((r) => r.sourceId),
        hashes,
        input.mappingKey,
        input.mode,
        input.runId,
        progress !== undefined,
        progress?.total ?? null,
        progress?.fetched ?? 0,
        now,
        progress?.skipped ?? 0,
        again,
        input.attempt,
        progress?.filtered ?? 0,
      ],
    );
    probed = rows[0]!;
    if (!probed.owner) return stageResult([probed], 0, dataHash);
    const changed = new Set(probed.changed ?? []);
    send = send.filter((i) => changed.has(input.records[i]!.sourceId));
    if (send.length === 0) return stageResult([probed], 0, dataHash);
    insert = probed.changedExisting === 0;
    // The page was counted as read by the probe: the upsert adds only its own skipped rows.
    fetched = 0;
    skipped = 0;
    filtered = 0;
  }
  const values = [
    send.map((i) => input.records[i]!.sourceId),
    input.schemeId,
    input.runId,
    input.mode,
    now,
    progress !== undefined,
    progress?.total ?? null,
    fetched,
    input.mappingKey,
    skipped,
    send.map((i) => input.payloadHash(i)),
    send.map((i) => hashes[i]!),
    // The JSON texts as they are (not stringified a second time), a line each.
    send.map((i) => texts[i]!).join(DATA_TEXT_SEPARATOR),
    again,
    input.attempt,
    filtered,
  ];
  const sendPage = (insert: boolean) => hotQuery<StageRow>(db, insert ? INSERT_STATEMENT : UPSERT_STATEMENT, values);
  const rows = insert
    ? await sendPage(true).catch((error: unknown) => {
        if (isUniqueViolation(error, "source_records_scheme_id_source_id_key")) return sendPage(false);
        throw error;
      })
    : await sendPage(false);
  const result = stageResult(rows, send.length, dataHash);
  if (!probed) return result;
  // The probe's unchanged rows and the upsert's rows, together.
  const unchanged = stageResult([probed], 0, dataHash);
  return {
    toWrite: unchanged.toWrite + result.toWrite,
    unchanged: unchanged.unchanged + result.unchanged,
    done: unchanged.done + result.done,
    stale: unchanged.stale + result.stale,
    failedUnchanged: unchanged.failedUnchanged + result.failedUnchanged,
    filtered: unchanged.filtered + result.filtered,
    inserted: result.inserted,
    changed: send.length,
    owner: result.owner,
    pending: [...unchanged.pending, ...result.pending],
    ...(result.run && { run: result.run }),
  };
}
