// Step 1 of the write protocol (DESIGN.md, Runs): a batch marked `sending`, and its payloads put in
// the batch's row, before the target is called. Steps 2 and 3 (the answers, putting a batch back)
// are in ./write-protocol.ts.
import { hotQuery, type Db } from "../client";
import { isUniqueViolation } from "../db-errors";
import { BATCH_ROW_IDS, fenceCte, leaseMsLeft } from "./sql";
import { claimKeySql, numberClaimKey } from "./number-claims";
import type { AttemptRef } from "./write-protocol";

export interface SendingRecordInput {
  id: bigint;
  sourceId: string;
  /** The payload as handed to the target connector (kept on the RunRecord). */
  payload: Record<string, unknown>;
  /** Its hash: the row's payload hash from now on (see recordWriteResults). */
  hash: string;
  /**
   * The payload's JSON text, when the caller has it already (the engine hashed it): stored as is
   * (json), so the batch row keeps the text that was hashed. Without it the payload is stringified here.
   */
  payloadText?: string | undefined;
  /**
   * The hash of the staged data the payload was mapped from (the row's `data_hash` then). The row is
   * marked only while it still holds that data: a source that returns a record twice in one read
   * (paging by offset while the record changes) stages the newer copy over the older one, and the
   * older payload, still waiting in an earlier batch, must not be sent in its place and recorded as
   * written. The newer copy is in a later batch; without it the row stays pending for the next
   * write. Without a hash, no check.
   */
  dataHash?: string | undefined;
  /**
   * The payload's target number (FNumber / FBillNo) as sent, when it has one: claimed for the record
   * by the mark (target_number_claims). A number another record of the scheme holds is not marked:
   * the record comes back in MarkedRecords.conflicts instead (see resolveNumberConflicts).
   */
  number?: string | undefined;
}

/**
 * Step 1 of the write protocol: marks pending records `sending` in batch `batchId` (with their
 * payload hash and the run sending them) and, in the same statement, inserts the batch's
 * run_written_batches row with the payloads about to be sent, one slot per record in the order
 * given (slot k owns RunRecord id `id` + k; the staging row names its slot in `sending_entry`), all
 * before the target is called. The lookup after an interrupted write finds the payloads there. No
 * RunRecord yet: the answer turns the slots of written records into entries (recordWriteResults),
 * or a lookup's verdict records them (./resolve-unknown.ts). Fenced by the attempt and by the run's
 * cancellation. Each record with a number claims it for itself first (target_number_claims); one
 * whose number another record holds is not marked (MarkedRecords.conflicts). Returns the ids actually
 * marked; only those may be sent. Each record at most once in a batch: a row is marked once, so a
 * second copy would be sent without its own mark.
 */
export async function markSending(
  db: Db,
  input: AttemptRef & {
    schemeId: string;
    batchId: string;
    records: SendingRecordInput[];
    mappingKey: string;
    /**
     * An automatic retry (issue #14): the records keep the retries they had. Any other run sending
     * a record (it changed, someone asked) starts its retry schedule over and takes it out of the
     * dead letters.
     */
    automaticRetry?: boolean;
    /**
     * The batch's numbers are likely all new (the mark before claimed a new one for each record it
     * marked: MarkedRecords.numbersNew, a first run): they are claimed by a plain INSERT, without
     * ON CONFLICT's speculative insertion (a probe of the claims' key, a lock and a WAL record per
     * claim: ~3 µs of Postgres CPU per record in bench:statements). A number held already (a wrong
     * guess, two records of the batch with one number, or a mark running at the same time) makes the
     * statement fail as a whole with a unique violation, after waiting for the other writer's
     * transaction: nothing of it stays, nothing was sent, and the batch is marked again as without it.
     * (The same as stagePage's `fresh` pages.)
     */
    freshNumbers?: boolean;
    /**
     * Upsert mode: a record without a number is checked too (MarkedRecords.renumbered), since the
     * connector's upsert creates what it cannot find by number. Numbered records are checked in
     * either mode (the probe that claims their number reads the row anyway).
     */
    upsert?: boolean;
  },
): Promise<MarkedRecords> {
  if (input.records.length > BATCH_ROW_IDS) {
    throw new Error(`A batch of ${input.records.length} records: at most ${BATCH_ROW_IDS} are marked at once`);
  }
  // One line per record (see LINES): the payloads' texts as hashed (each payload was stringified
  // once already, for its hash), and the hashes.
  const texts: string[] = [];
  const hashes: string[] = [];
  const dataHashes: string[] = [];
  const ids: string[] = [];
  // Claim keys as JSON strings (a number is source data: it may hold a newline), "" for none.
  const keys: string[] = [];
  for (const r of input.records) {
    texts.push(oneLine(r.payloadText ?? JSON.stringify(r.payload)));
    hashes.push(oneLine(r.hash));
    dataHashes.push(oneLine(r.dataHash ?? ""));
    ids.push(r.id.toString());
    const key = r.number === undefined ? "" : numberClaimKey(r.number);
    keys.push(key === "" ? "" : JSON.stringify(key));
  }
  if (new Set(ids).size < ids.length) throw new Error("A batch holds a record twice: it would be sent twice in one call");
  const values = [
    hashes.join(LINES),
    input.batchId,
    input.runId,
    input.schemeId,
    input.attempt,
    new Date().toISOString(),
    ids,
    input.mappingKey,
    input.automaticRetry ?? false,
    texts.join(LINES),
    dataHashes.join(LINES),
    keys.join(LINES),
    input.upsert ?? false,
  ];
  const numbered = keys.some((k) => k !== "");
  // Durable before the call: this commit is what stops a record from being sent twice.
  const mark = (fresh: boolean) => hotQuery<MarkRow>(db, fresh ? MARK_FRESH : MARK, values, true);
  const rows =
    input.freshNumbers === true && numbered
      ? await mark(true).catch((error: unknown) => {
          if (isUniqueViolation(error, "target_number_claims_pkey")) return mark(false);
          throw error;
        })
      : await mark(false);
  const marked = rows.filter((r) => r.taken === null && r.renumbered === null);
  const claims = marked[0]?.claims ?? 0;
  return new MarkedRecords(
    marked.map((r) => BigInt(r.id)),
    marked[0]?.leaseMsLeft ?? null,
    rows.filter((r) => r.taken !== null).map((r) => ({ id: BigInt(r.id), key: r.taken! })),
    claims > 0 && claims === marked.filter((r) => r.numbered).length && marked.length === rows.length,
    rows.filter((r) => r.renumbered !== null).map((r) => ({ id: BigInt(r.id), written: r.renumbered! })),
  );
}

interface MarkRow {
  id: string;
  leaseMsLeft: number | null;
  taken: string | null;
  /** How many numbers the statement claimed (on the rows of marked records). */
  claims: number | null;
  numbered: boolean | null;
  /** Not marked: the number the record was written under, which its payload's number is not (MarkedRecords.renumbered). */
  renumbered: string | null;
}

/** The mark's statement; `fresh`: numbers claimed by a plain INSERT (see markSending's freshNumbers). */
function markStatement(fresh: boolean): string {
  return `WITH ${fenceCte("$3", "$5")}, input AS MATERIALIZED (
      -- The batch in order: each record's id, payload hash and payload text (slot n - 1).
      -- d: the data hash the payload was mapped from ('' when not given); k: the claim key of its
      -- number (null: none).
      SELECT t.id, t.h, t.p, t.d, CASE WHEN t.k <> '' THEN (t.k::json #>> '{}') END AS k, t.n
      FROM unnest($7::bigint[], string_to_array($1::text, E'\\n'), string_to_array($10::text, E'\\n'), string_to_array($11::text, E'\\n'), string_to_array($12::text, E'\\n'))
        WITH ORDINALITY AS t(id, h, p, d, k, n)
    ), eligible AS MATERIALIZED (
      -- The records with a number the mark may mark, as its snapshot has them (the UPDATE checks
      -- again): only they claim, so a record not marked claims nothing. One probe by primary key each
      -- (in upsert mode, $13, records without a number too).
      -- \`was\`: the number a document of the record has in the target (its number set, and a written
      -- hash or a target id: written, or a bill saved — and maybe reopened, its re-save refused —
      -- or found by a lookup) when its payload's number is another, as 金蝶 compares numbers
      -- (numberClaimKey, in SQL as the migration 20261217100000 computes it); null otherwise.
      -- Such a record is not marked and claims nothing: sent, the connector's upsert would not find
      -- the new number and create a second document beside the first (a create would too), and the
      -- record comes back in MarkedRecords.renumbered (session 32; the target id since session 33).
      SELECT i.id, i.k, i.n, CASE
          WHEN (s.written_hash IS NULL AND s.target_id IS NULL) OR coalesce(s.target_number, '') = '' OR s.target_number = i.k THEN NULL
          WHEN i.k IS NOT NULL AND ${claimKeySql("s.target_number")} = i.k THEN NULL
          ELSE s.target_number END AS was
      FROM input i JOIN source_records s ON s.id = i.id
      WHERE (i.k IS NOT NULL OR $13::boolean) AND s.scheme_id IS NOT DISTINCT FROM $4::uuid AND s.status = 'pending'
        AND (coalesce(i.d, '') = '' OR s.data_hash = i.d)
        AND EXISTS (SELECT 1 FROM fence)
        AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = $3::uuid AND r.cancel_requested)
    ), claimed AS (
      -- Numbers no record held: theirs now (the first of the batch, when two carry one), with the
      -- send about to go as the one send under it that may write (sends 1). A number held already (by
      -- the record itself, or another) writes nothing here.
      INSERT INTO target_number_claims (scheme_id, number, source_record_id, sends)
      SELECT $4::uuid, e.k, e.id, 1 FROM eligible e WHERE e.k IS NOT NULL AND e.was IS NULL ORDER BY e.n
      ${fresh ? "" : "ON CONFLICT DO NOTHING"}
      RETURNING source_record_id AS id
    ), owned AS MATERIALIZED (
      -- Eligible records whose number is theirs: claimed now, or held already as the statement's
      -- snapshot has it (one probe, only for a number not claimed now). A claim committed by another
      -- mark after this statement began is not seen: its record comes back as a conflict, and
      -- resolveNumberConflicts reads the claim again. (\`fresh\` is an IN, which Postgres hashes once:
      -- a CTE has no index and no row count, so EXISTS over \`claimed\` per row, and a LEFT JOIN to it,
      -- which the planner ran as a nested loop for an estimate of one row, both scanned the batch's
      -- claims for each of its records, 10,000 comparisons for a batch of 100: ~15 µs per record.)
      SELECT x.id, x.k, x.fresh, CASE WHEN x.fresh THEN true
        ELSE EXISTS (SELECT 1 FROM target_number_claims t WHERE t.scheme_id = $4::uuid AND t.number = x.k AND t.source_record_id = x.id) END AS own
      FROM (SELECT e.id, e.k, e.id IN (SELECT c.id FROM claimed c) AS fresh FROM eligible e WHERE e.k IS NOT NULL AND e.was IS NULL) x
    ), block AS MATERIALIZED (
      -- One value of the RunRecords' sequence for the batch row: its BATCH_ROW_IDS ids (see the migration
      -- 20261206100000_run_written_batches).
      SELECT nextval('run_records_id_seq') AS first
    ), marked AS (
      -- One probe by primary key per record: IS NOT DISTINCT FROM (not =) keeps the planner off the
      -- (scheme_id, id) index, through which it walked every pending row of the scheme for each batch,
      -- quadratic in a large run's size. (Finding each record's place with array_position over the
      -- batch's ids was quadratic in the batch: ~0.9 ms of a mark of 100 in the benchmark.)
      UPDATE source_records s SET
        status = 'sending', batch_id = $2, attempts = s.attempts + 1,
        payload_hash = i.h, mapped_with = $8,
        last_run_id = $3::uuid, sending_run_id = $3::uuid, sending_payload = NULL,
        sending_entry = (SELECT first FROM block) + i.n - 1,
        check_after = NULL, updated_at = $6::timestamp,
        retry_step = CASE WHEN $9::boolean THEN s.retry_step ELSE 0 END, retry_at = NULL, dead_at = NULL
      FROM input i
      WHERE s.id = i.id
        AND s.scheme_id IS NOT DISTINCT FROM $4::uuid AND s.status = 'pending'
        -- Still the data the payload was mapped from (see SendingRecordInput.dataHash).
        AND (coalesce(i.d, '') = '' OR s.data_hash = i.d)
        -- Its number, if it has one, is its own (owned; IN, not a correlated EXISTS, which under OR
        -- would scan the CTE for each record: the IN is hashed once).
        AND (i.k IS NULL OR i.id IN (SELECT o.id FROM owned o WHERE o.own))
        -- Not renumbered (eligible.was; a numbered record so found is not in \`owned\` either).
        AND i.id NOT IN (SELECT e.id FROM eligible e WHERE e.was IS NOT NULL)
        AND EXISTS (SELECT 1 FROM fence)
        AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.id = $3::uuid AND r.cancel_requested)
      -- resend: marked under a number it held already (\`resent\`). An IN in the target list, which
      -- Postgres hashes once (see \`owned\`; joined to \`owned\` in \`resent\`, each CTE was scanned
      -- once per row of the other: a batch of upserts, every number held already, compared 10,000 pairs).
      RETURNING s.id, s.source_id, i.k, i.k IS NOT NULL AND i.id IN (SELECT o.id FROM owned o WHERE NOT o.fresh) AS resend
    ), resent AS (
      -- Marked under a number it held already: one more send under it that may write (sends + 1,
      -- capped at 2; see target_number_claims.sends). After the record's row is locked by the mark, as
      -- resolveNumberConflicts locks the holder's row before its claim. (A claim inserted by this
      -- statement is not in its snapshot: \`claimed\` set it.)
      UPDATE target_number_claims t SET sends = t.sends + 1
      FROM marked m
      WHERE m.resend AND t.scheme_id = $4::uuid AND t.number = m.k AND t.source_record_id = m.id AND t.sends < 2
    ), slotted AS (
      -- The batch row, one slot per record given (a record not marked keeps an empty slot): payloads
      -- as json text, compressed once as one value; entries (ids) empty until the answer.
      -- (Aggregated from ordered rows: an ORDER BY in each aggregate sorted the batch once per array.)
      INSERT INTO run_written_batches (run_id, id, attempt, batch_id, ids, source_record_ids, source_ids, target_ids, target_numbers, payloads, responses, written, created_at)
      SELECT $3::uuid, (SELECT first FROM block), $5::int, $2, array_fill(NULL::bigint, ARRAY[count(*)::int]), array_agg(x.id), array_agg(x.source_id),
        array_fill(NULL::text, ARRAY[count(*)::int]), array_fill(NULL::text, ARRAY[count(*)::int]), array_agg(x.p),
        array_fill(NULL::json, ARRAY[count(*)::int]), 0, $6::timestamp
      FROM (
        SELECT m.id, m.source_id, CASE WHEN m.id IS NOT NULL THEN i.p::json END AS p
        FROM input i LEFT JOIN marked m ON m.id = i.id
        ORDER BY i.n) x
      HAVING count(x.id) > 0
    )
    -- With each id, how long the attempt's lease still ran as the fence found it (see MarkedRecords);
    -- then the records not marked because another record holds their number (taken: the claim key),
    -- and those not marked because their number is not the one they were written under (renumbered).
    SELECT id::text, (SELECT ${leaseMsLeft("f.lease_until")} FROM fence f) AS "leaseMsLeft", NULL::text AS taken,
      (SELECT count(*) FROM claimed)::int AS claims, k IS NOT NULL AS numbered, NULL::text AS renumbered
    FROM marked
    UNION ALL
    SELECT o.id::text, NULL, o.k, NULL, NULL, NULL FROM owned o WHERE NOT o.own
    UNION ALL
    SELECT e.id::text, NULL, NULL, NULL, NULL, e.was FROM eligible e WHERE e.was IS NOT NULL`;
}

const MARK = markStatement(false);
const MARK_FRESH = markStatement(true);

/**
 * The ids a mark marked, with the attempt's lease as the mark's fence found it: how long it still
 * ran, by the database's clock, when the statement began (null when nothing was marked). Sent by
 * the time the caller asked for the mark plus that (less its margin), these records go out within
 * the lease they were marked under, as a call bounded by a separate fence read would: the engine
 * sends a batch marked while the call before it was in flight with no statement of its own in
 * between (its `batchSendBy`).
 */
export class MarkedRecords extends Set<bigint> {
  constructor(
    ids: Iterable<bigint>,
    readonly leaseMsLeft: number | null,
    /**
     * Records not marked because their number's claim was not theirs as the mark saw it (another
     * record holds it, or a mark running at the same time claimed it first), with the claim key:
     * resolveNumberConflicts says which to refuse.
     */
    readonly conflicts: readonly NumberConflict[] = [],
    /**
     * Every record marked carried a number and claimed it new (none held it; nothing refused): the
     * next batch's numbers are likely new too (markSending's freshNumbers).
     */
    readonly numbersNew = false,
    /**
     * Records not marked because they were written under another number than their payload's (or
     * their payload has none, in upsert mode): with the number written. Sending them would create a
     * second document of the record (the connector finds documents by number), so the engine fails
     * them as data failures naming both numbers (session 32).
     */
    readonly renumbered: readonly RenumberedRecord[] = [],
  ) {
    super(ids);
  }
}

/** A record the mark did not mark because its payload's number is not the one it was written under. */
export interface RenumberedRecord {
  id: bigint;
  /** The number (FNumber / FBillNo) the record was written under, as staged. */
  written: string;
}

/** A record the mark did not mark because of its number's claim (MarkedRecords.conflicts). */
export interface NumberConflict {
  id: bigint;
  /** The claim key (numberClaimKey) of the number it carries. */
  key: string;
}

/**
 * Between the payloads' texts (and their hashes) in the mark: one string split by Postgres
 * (string_to_array), not a text[] parameter, whose literal pg builds by escaping each quote of each
 * text with regular expressions (see stagePage). JSON text has no raw newline (JSON.stringify
 * escapes every control character), nor has a hash; `oneLine` makes sure.
 */
const LINES = "\n";

function oneLine(text: string): string {
  if (text.includes(LINES)) throw new Error("A payload text or hash with a raw newline cannot be marked (it is not JSON.stringify's output)");
  return text;
}
