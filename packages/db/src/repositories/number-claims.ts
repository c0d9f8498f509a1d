// Which staged record a target number belongs to (target_number_claims, session 24). The mark
// claims each payload's number for its record (markSending); a record whose number another record
// of the scheme holds is not sent. Without it, two source records mapped to one number (拆单: one
// order shipped as two deliveries, FBillNo ← {{platform_code}}) overwrote each other's bill in upsert
// mode, and in create mode an unknown outcome's lookup took the other record's bill for its own.
import { targetNumberKey } from "@qiao/core";
import { hotQuery, type Db } from "../client";
import type { NumberConflict } from "./mark-sending";

/**
 * The key a number is claimed under: what 金蝶's database would count as the same number
 * (targetNumberKey, @qiao/core: case, width and trailing spaces ignored). The migration that
 * claimed the numbers written before it computes the same in SQL
 * (`upper(rtrim(normalize(n, NFKC), ' ') COLLATE "C")`). "" for a blank number: nothing to claim.
 */
/** SQL (text): numberClaimKey of the SQL text expression `expr`, as the claims are keyed. */
export function claimKeySql(expr: string): string {
  return `upper(rtrim(normalize(${expr}, NFKC), ' ') COLLATE "C")`;
}

export function numberClaimKey(number: string): string {
  // Postgres text holds no NUL (a source may send one): U+FFFD, as a number 金蝶 could not keep either.
  return targetNumberKey(number).replaceAll("\u0000", "\uFFFD");
}

/** What resolveNumberConflicts decided for the records a mark did not mark because of their numbers. */
export interface NumberVerdicts {
  /**
   * Refused: another record of the scheme holds the number and may have written under it, or is
   * about to be sent and may send it (pending or waiting). With the holder's source id, for the error.
   */
  refused: { id: bigint; holderSourceId: string }[];
  /**
   * Not refused: the number is the record's now (nobody held it, or no send under it may have
   * written and it was handed over) or was its own already (a mark running at the same time claimed
   * it). Still pending: marked again by the next pass over the scheme's pending records.
   */
  free: bigint[];
}

/**
 * Reads again, in a statement of its own, who holds the numbers of the records a mark reported
 * (MarkedRecords.conflicts), and hands over what may be handed over: a number nobody holds (the mark
 * that claimed it rolled back) goes to the first record asking, with no send under it yet (sends 0);
 * a number no send under which may have written a bill (its claim's `sends` is 0: every send under it
 * was refused outright by the target or never went out) goes to the first record asking, by
 * compare-and-set, unless its holder is pending or waiting: a record about to be mapped and sent
 * again may ask for the number again, and it asked first. (So a record handed a number keeps it
 * until it is sent, and two records asking cannot hand one number back and forth.) A number whose
 * holder is gone goes too. A holder that failed as transient does not hand over: the connector
 * reports an update still unknown after its retries that way, and it may have been saved (its claim
 * stays at 1, and its next mark makes it 2). Every other conflict is refused. The holders' rows are
 * locked (FOR UPDATE) and judged as last committed, and the claim is handed over only if it is still
 * unsent as last committed (the UPDATE checks again), so a holder marked again meanwhile under the
 * number keeps it. Nothing here marks or sends: a record handed its number is marked by the next
 * pass (RunScope.numbersHandedOver), under the mark's own checks.
 */
export async function resolveNumberConflicts(db: Db, input: { schemeId: string; conflicts: readonly NumberConflict[] }): Promise<NumberVerdicts> {
  if (input.conflicts.length === 0) return { refused: [], free: [] };
  const rows = await hotQuery<{ id: string; takenBy: string | null }>(
    db,
    `WITH input AS (
      SELECT * FROM unnest($2::bigint[], $3::text[]) AS t(id, k)
    ), claims AS MATERIALIZED (
      SELECT i.id, i.k, c.source_record_id AS holder, c.sends
      FROM input i LEFT JOIN target_number_claims c ON c.scheme_id = $1::uuid AND c.number = i.k
    ), holders AS MATERIALIZED (
      -- Locked, and read as last committed (READ COMMITTED re-reads a row it waited for).
      SELECT h.id, h.source_id, h.status NOT IN ('pending', 'waiting') AS settled
      FROM source_records h
      WHERE h.id IN (SELECT holder FROM claims WHERE holder <> id)
      FOR UPDATE
    ), held AS MATERIALIZED (
      SELECT c.id, c.k, c.holder, h.source_id AS holder_source_id, h.id IS NULL AS gone,
        (h.id IS NULL OR (c.sends = 0 AND h.settled)) AS free
      FROM claims c LEFT JOIN holders h ON h.id = c.holder
    ), inserted AS (
      INSERT INTO target_number_claims (scheme_id, number, source_record_id, sends)
      SELECT DISTINCT ON (k) $1::uuid, k, id, 0 FROM held WHERE holder IS NULL ORDER BY k, id
      ON CONFLICT DO NOTHING
    ), handed AS (
      UPDATE target_number_claims c SET source_record_id = x.id
      FROM (SELECT DISTINCT ON (k) k, id, holder, gone FROM held WHERE holder <> id AND free ORDER BY k, id) x
      WHERE c.scheme_id = $1::uuid AND c.number = x.k AND c.source_record_id = x.holder AND (x.gone OR c.sends = 0)
    )
    SELECT id::text, CASE WHEN holder IS NOT NULL AND holder <> id AND NOT free THEN holder_source_id END AS "takenBy"
    FROM held`,
    [input.schemeId, input.conflicts.map((c) => c.id.toString()), input.conflicts.map((c) => c.key)],
  );
  const verdicts: NumberVerdicts = { refused: [], free: [] };
  for (const row of rows) {
    if (row.takenBy === null) verdicts.free.push(BigInt(row.id));
    else verdicts.refused.push({ id: BigInt(row.id), holderSourceId: row.takenBy });
  }
  return verdicts;
}

/**
 * SQL: a CTE `name` for the statements that learn a send wrote nothing (a definite refusal of the
 * record by the target: recordWriteResults; a batch put back unsent: releaseSending; an unknown
 * outcome's lookup that found nothing under the number: resolveUnknown). The claims of
 * `rows` (columns id, scheme_id, k: the record, its scheme, the claim key of the number it was sent
 * under) go from 1 to 0 sends that may have written: that send was the only one, so the number may be
 * handed over again (resolveNumberConflicts). At 2, an earlier send may have written: kept.
 */
export function unsentClaimsCte(name: string, rows: string): string {
  return `${name} AS (
      UPDATE target_number_claims c SET sends = 0
      FROM (${rows}) r
      WHERE c.scheme_id = r.scheme_id AND c.number = r.k AND c.source_record_id = r.id AND c.sends = 1
    )`;
}

/**
 * For the editor's test run, which claims nothing: of `records` (a source id and the claim key of the
 * number its payload carries), those whose number another source record of the scheme holds so that
 * a run would refuse it (resolveNumberConflicts' rule: the holder is still staged and is pending or
 * waiting, or a send under the number may have written), with the holder's source id. Read only.
 */
export async function numbersHeldByOthers(
  db: Db,
  input: { schemeId: string; records: readonly { sourceId: string; key: string }[] },
): Promise<Map<string, string>> {
  const records = input.records.filter((r) => r.key !== "");
  if (records.length === 0) return new Map();
  const rows = await db.$queryRaw<{ sourceId: string; holder: string }[]>`
    SELECT i.source_id AS "sourceId", h.source_id AS holder
    FROM unnest(${records.map((r) => r.sourceId)}::text[], ${records.map((r) => r.key)}::text[]) AS i(source_id, k)
    JOIN target_number_claims c ON c.scheme_id = ${input.schemeId}::uuid AND c.number = i.k
    JOIN source_records h ON h.id = c.source_record_id
    WHERE h.source_id <> i.source_id AND NOT (c.sends = 0 AND h.status NOT IN ('pending', 'waiting'))`;
  return new Map(rows.map((r) => [r.sourceId, r.holder]));
}
