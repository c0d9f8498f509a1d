// The comparison that turns a reconciliation's keys into its report, in SQL (the worker never holds
// the key sets), and the resync that writes the missing records again exactly once.
//
// Matching: a source record's number is the one staging says it was written with (target_number),
// else the number its mapping gives now (the scheme's number template, e.g. {{code}}). So a
// record renamed at the source after being written in create mode is still matched with what it
// wrote, one never written is matched by what it would write, and a bill numbered by 金蝶 (FBillNo
// not mapped) by what 金蝶 answered. A target number matches one source record at most (the one
// staging says wrote it): the others with that number are missing, and so is a record whose number
// the scheme's claims give to another staged record, read this time or not (session 32).
//
// "Missing, written" (what a resync writes again) is judged as of the target's read, not the
// comparison: a record counts only if staging had it written (or stale) when the reading of the
// target's keys began (recordStagedWrites) and its row is unchanged at the comparison. A record
// written after that may be in the target unseen by the read; one written again since was put back.
import { message, normalizeRunOptions, render } from "@qiao/core";
import { Prisma, type Reconciliation, type Run } from "../../generated/prisma/client";
import type { Db } from "../client";
import { claimKeySql } from "./number-claims";
import { findActiveRun, isUniqueViolation, SchemeBusyError } from "./runs";

/** The claim key of a source key's templated number (`k.number`), as target_number_claims are keyed. */
const CLAIM_KEY_OF_NUMBER = Prisma.raw(claimKeySql("k.number"));

/**
 * Staging statuses that mean "written to the target": a missing record with one (since before the
 * target's read, unchanged since) is resynced.
 */
export const RESYNCABLE_STATUSES = ["written", "stale"] as const;

/**
 * Before the target's keys are read: the scheme's staging rows written (or stale) now, with their
 * `updated_at`, as keys of side "staged" (one statement, fenced by the attempt like the other keys;
 * dropped with them). False when another attempt took the reconciliation over.
 */
export async function recordStagedWrites(db: Db, input: { id: string; attempt: number; schemeId: string }): Promise<boolean> {
  const [owned] = await db.$queryRaw<{ owned: boolean }[]>`
    WITH fence AS (SELECT 1 FROM reconciliations WHERE id = ${input.id}::uuid AND attempt = ${input.attempt} AND status = 'running'),
    added AS (
      INSERT INTO reconciliation_keys (reconciliation_id, side, number, source_id, staged_updated_at)
      SELECT ${input.id}::uuid, 'staged', COALESCE(s.target_number, ''), s.source_id, s.updated_at
      FROM source_records s
      WHERE s.scheme_id = ${input.schemeId}::uuid AND s.status::text = ANY(${[...RESYNCABLE_STATUSES]}::text[]) AND EXISTS (SELECT 1 FROM fence)
      RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM fence) AS owned`;
  return owned?.owned ?? false;
}

/** A large reconciliation compares in one transaction; Prisma's default limit is 5 s. */
const COMPARE_TIMEOUT_MS = 30 * 60_000;

interface Counts {
  sourceCount: number;
  targetCount: number;
  matched: number;
  missing: number;
  missingWritten: number;
  extra: number;
  different: number;
}

/**
 * Compares the keys read, writes the report (counts, the first `keyLimit` keys of each category in
 * number order, the missing ones a resync writes again first) and drops the keys, in one transaction
 * fenced by the attempt. `compareNames`: the form has a name field and the mapping maps it. Null
 * when the attempt no longer owns it.
 */
export async function completeReconciliation(
  db: Db,
  input: {
    id: string;
    attempt: number;
    schemeId: string;
    compareNames: boolean;
    /** Source records read without an id; the report adds those with no number (see recon_source). */
    unmatchable: number;
    /** How the source was read: passes, and whether the last one still saw it move. */
    source?: { passes: number; moved: boolean };
  },
): Promise<Reconciliation | null> {
  return db.$transaction(
    async (tx) => {
      const owned = await tx.$queryRaw<{ key_limit: number }[]>`
        SELECT key_limit FROM reconciliations WHERE id = ${input.id}::uuid AND attempt = ${input.attempt} AND status = 'running' FOR UPDATE`;
      const keyLimit = owned[0]?.key_limit;
      if (keyLimit === undefined) return null;
      // One row per source record (the last copy read wins) and per target number. `staged_updated_at`:
      // the record was written (or stale) when the target's read began and its row is unchanged now.
      // The number: staging's target_number, else the template's (a key's "" is "none": a bill whose
      // FBillNo 金蝶's 编码规则 fills has only staging's). `claims`: the one record a target number
      // can match — the one staging says wrote it, else (no staging evidence) the first by source id;
      // another record with the same number (a split order under FBillNo = {{platform_code}}, whose
      // second bill 金蝶 refused as a duplicate) is missing, never a second match of one bill.
      // Staging's evidence is the scheme's, not only the records read now: a record with no
      // target_number of its own whose number target_number_claims gives to another staged record
      // (`holder`) under which a send may have written (sends > 0) claims nothing, so it is missing —
      // a shop closed at the source (no longer read) wrote X, a new shop took the code X and its
      // write was refused (session 32's audit: it was reported matched with the closed shop's
      // customer). The claims are the indexed record of the numbers staging wrote under
      // (source_records.target_number has no index, by design: 20261217100000_target_number_claims),
      // keyed as markSending claims (numberClaimKey's SQL), computed only for the records without a
      // target_number; one hash join with the scheme's claims. A claim's holder is a staged row (the
      // only deletion of staged rows, forgetOtherSource, deletes their claims with them). Among the
      // records read with one number, the one staging wrote it with comes first, then the claim's holder.
      await tx.$executeRaw`
        CREATE TEMP TABLE recon_source ON COMMIT DROP AS
        SELECT r.source_id, r.number, r.name, r.source_record_id, r.staged_status, r.staged_updated_at,
          row_number() OVER (PARTITION BY r.number ORDER BY r.by_staging DESC, COALESCE(r.holder = r.source_record_id, false) DESC, r.source_id) = 1
            AND (r.by_staging OR r.holder IS NULL OR COALESCE(r.holder = r.source_record_id, false)) AS claims
        FROM (
          SELECT DISTINCT ON (k.source_id) k.source_id, COALESCE(NULLIF(s.target_number, ''), NULLIF(k.number, '')) AS number,
            NULLIF(s.target_number, '') IS NOT NULL AS by_staging, k.name,
            s.id AS source_record_id, s.status::text AS staged_status, w.staged_updated_at, c.source_record_id AS holder
          FROM reconciliation_keys k
          LEFT JOIN source_records s ON s.scheme_id = ${input.schemeId}::uuid AND s.source_id = k.source_id
          LEFT JOIN reconciliation_keys w ON w.reconciliation_id = ${input.id}::uuid AND w.side = 'staged' AND w.source_id = k.source_id
            AND w.staged_updated_at = s.updated_at AND s.status::text = ANY(${[...RESYNCABLE_STATUSES]}::text[])
          LEFT JOIN target_number_claims c ON c.scheme_id = ${input.schemeId}::uuid AND c.sends > 0
            AND c.number = CASE WHEN NULLIF(s.target_number, '') IS NULL AND k.number <> '' THEN ${CLAIM_KEY_OF_NUMBER} END
          WHERE k.reconciliation_id = ${input.id}::uuid AND k.side = 'source'
          ORDER BY k.source_id, k.id DESC) r`;
      // A record with a number neither in staging nor from its template cannot be matched.
      const [unnumbered] = await tx.$queryRaw<{ count: number }[]>`
        WITH gone AS (DELETE FROM recon_source WHERE number IS NULL RETURNING 1) SELECT count(*)::int AS count FROM gone`;
      await tx.$executeRaw`
        CREATE TEMP TABLE recon_target ON COMMIT DROP AS
        SELECT DISTINCT ON (number) number, name, target_id FROM reconciliation_keys t
        WHERE reconciliation_id = ${input.id}::uuid AND side = 'target'
          -- Written by the scheme from a record its filter node now leaves out (the source keys skip
          -- such records): not another writer's, so not extra (session 28).
          AND NOT EXISTS (
            SELECT 1 FROM source_records f
            WHERE f.scheme_id = ${input.schemeId}::uuid AND f.status = 'filtered' AND f.written_hash IS NOT NULL AND f.target_number = t.number)
        ORDER BY number, id`;
      await tx.$executeRaw`CREATE INDEX ON recon_source (number)`;
      await tx.$executeRaw`CREATE INDEX ON recon_target (number)`;
      await tx.$executeRaw`ANALYZE recon_source`;
      await tx.$executeRaw`ANALYZE recon_target`;
      const different = input.compareNames ? "s.name IS NOT NULL AND t.name IS DISTINCT FROM s.name" : "false";
      const [counts] = await tx.$queryRawUnsafe<Counts[]>(`
        SELECT
          (SELECT count(*)::int FROM recon_source) AS "sourceCount",
          (SELECT count(*)::int FROM recon_target) AS "targetCount",
          (SELECT count(*)::int FROM recon_source s JOIN recon_target t USING (number) WHERE s.claims) AS matched,
          (SELECT count(*)::int FROM recon_source s LEFT JOIN recon_target t USING (number) WHERE t.number IS NULL OR NOT s.claims) AS missing,
          -- What a resync writes again: written, and its number is not in the target at all (one that
          -- lost its number's claim to another record would only meet that record's bill again).
          (SELECT count(*)::int FROM recon_source s WHERE s.staged_updated_at IS NOT NULL
             AND NOT EXISTS (SELECT 1 FROM recon_target t WHERE t.number = s.number)) AS "missingWritten",
          (SELECT count(*)::int FROM recon_target t WHERE NOT EXISTS (SELECT 1 FROM recon_source s WHERE s.number = t.number)) AS extra,
          (SELECT count(*)::int FROM recon_source s JOIN recon_target t USING (number) WHERE s.claims AND ${different}) AS different`);
      const id = input.id;
      // The missing records a resync writes again come first, so that the kept keys hold every one of
      // them up to the limit: in number order only, records never written (new, pending, failed) whose
      // numbers sort first could fill the list, and the resync the report offers would find none.
      await tx.$executeRawUnsafe(
        `INSERT INTO reconciliation_items (reconciliation_id, category, number, source_id, source_record_id, staged_status, staged_updated_at, source_name, target_name, target_id)
        (SELECT $1::uuid, 'missing'::reconciliation_category, s.number, s.source_id, s.source_record_id, s.staged_status,
           CASE WHEN t.number IS NULL THEN s.staged_updated_at END, s.name, NULL, NULL
         FROM recon_source s LEFT JOIN recon_target t USING (number) WHERE t.number IS NULL OR NOT s.claims
         ORDER BY t.number IS NOT NULL OR s.staged_updated_at IS NULL, s.number, s.source_id LIMIT $2)
        UNION ALL
        (SELECT $1::uuid, 'extra'::reconciliation_category, t.number, NULL, NULL, NULL, NULL::timestamp, NULL, t.name, t.target_id
         FROM recon_target t WHERE NOT EXISTS (SELECT 1 FROM recon_source s WHERE s.number = t.number) ORDER BY t.number LIMIT $2)
        UNION ALL
        (SELECT $1::uuid, 'different'::reconciliation_category, s.number, s.source_id, s.source_record_id, s.staged_status, NULL::timestamp, s.name, t.name, t.target_id
         FROM recon_source s JOIN recon_target t USING (number) WHERE s.claims AND ${different} ORDER BY s.number, s.source_id LIMIT $2)`,
        id,
        keyLimit,
      );
      await tx.reconciliationKey.deleteMany({ where: { reconciliationId: id } });
      return tx.reconciliation.update({
        where: { id },
        data: {
          ...counts!,
          unmatchable: input.unmatchable + (unnumbered?.count ?? 0),
          sourcePasses: input.source?.passes ?? 1,
          sourceMoved: input.source?.moved ?? false,
          status: "succeeded",
          finishedAt: new Date(),
          error: undefined,
        },
      });
    },
    { timeout: COMPARE_TIMEOUT_MS, maxWait: 10_000 },
  );
}

export class ResyncError extends Error {
  override name = "ResyncError";
  constructor(
    readonly code: "not_found" | "invalid" | "conflict",
    readonly text: ReturnType<typeof message>,
  ) {
    super(render(text, "en"));
  }
}

/**
 * Resync of a report's missing records: in one transaction, the report is locked, the staging rows
 * it lists as missing and written that are unchanged since (still `written` or `stale`, with the
 * `updated_at` the report saw) become `failed` with the reason and without their written hash (a
 * lookup no longer hands out their number: what needs it waits), and a retry run of exactly those
 * rows is inserted and recorded on the report. A row changed since was written again (a newer
 * report's resync, a run) or is being handled: it is left alone, never sent a second time. A report
 * resyncs once: asking again (a double click, a retried request, another person) returns the same
 * run, so no record is marked twice (a ResyncError "conflict" when that run no longer exists).
 * Throws SchemeBusyError (changing nothing) while the scheme has an active run, ResyncError when
 * there is nothing to resync. The caller enqueues the run.
 */
export async function claimResync(
  db: Db,
  input: { reconciliationId: string; schemeVersion: number; createdById?: string | null },
): Promise<{ run: Run; created: boolean; count: number }> {
  try {
    return await db.$transaction(async (tx) => {
      const [report] = await tx.$queryRaw<{ scheme_id: string; status: string; resync_run_id: string | null }[]>`
        SELECT scheme_id, status::text AS status, resync_run_id FROM reconciliations WHERE id = ${input.reconciliationId}::uuid FOR UPDATE`;
      if (!report) throw new ResyncError("not_found", message("reconcile.notFound", { id: input.reconciliationId }));
      if (report.resync_run_id) {
        const count = await tx.reconciliation.findUniqueOrThrow({ where: { id: input.reconciliationId }, select: { resyncCount: true } });
        // resync_run_id has no foreign key: run retention keeps it (pruneRuns), but a run deleted
        // before it did (or by hand) is gone. The report still resynced once: a 409, not a 500.
        const run = await tx.run.findUnique({ where: { id: report.resync_run_id } });
        if (!run) throw new ResyncError("conflict", message("reconcile.resyncRunGone", { runId: report.resync_run_id, count: count.resyncCount ?? 0 }));
        return { run, created: false, count: count.resyncCount ?? 0 };
      }
      if (report.status !== "succeeded") throw new ResyncError("invalid", message("reconcile.notFinished"));
      // The rows as the report saw them (their updated_at, compared in SQL: never round-tripped
      // through a JS Date), locked until the transaction ends.
      const resyncable = await tx.$queryRaw<{ id: bigint }[]>`
        SELECT s.id FROM reconciliation_items i JOIN source_records s ON s.id = i.source_record_id
        WHERE i.reconciliation_id = ${input.reconciliationId}::uuid AND i.category = 'missing' AND i.staged_updated_at IS NOT NULL
          AND s.scheme_id = ${report.scheme_id}::uuid AND s.status::text = ANY(${[...RESYNCABLE_STATUSES]}::text[])
          AND s.updated_at = i.staged_updated_at
        ORDER BY s.id
        FOR UPDATE OF s`;
      if (resyncable.length === 0) throw new ResyncError("conflict", message("reconcile.nothingToResync"));
      const ids = resyncable.map((r) => String(r.id));
      const reason = render(message("reconcile.resyncMarked", { count: ids.length }));
      // Not written any more: 金蝶 no longer has them. Their written hash goes, so a lookup
      // (lookupWritten) no longer answers with the number 金蝶 lost — a record that needs it waits
      // until the resync writes it again — and staging no longer takes the row, its source changed,
      // for written or stale. Nothing puts it back (restoreUnsentRetries restores what the retry
      // run changed, not this): a resync that ends unsent leaves them failed, still missing in 金蝶.
      // target_number stays: what it was written with (the report, reconciliation's matching). The
      // target id goes with the document: a record with one has a document under its number, which
      // the mark does not let it leave for another number (markSending's `was`), and this one has none.
      await tx.$executeRaw`
        UPDATE source_records SET status = 'failed', last_error = ${reason}, written_hash = NULL, target_id = NULL, updated_at = ${new Date()}::timestamp
        WHERE id = ANY(${ids}::bigint[])`;
      const options = normalizeRunOptions("retry", { scope: "scheme", sourceRecordIds: ids });
      const run = await tx.run.create({
        data: {
          schemeId: report.scheme_id,
          schemeVersion: input.schemeVersion,
          trigger: "retry",
          options: options as Prisma.InputJsonObject,
          createdById: input.createdById ?? null,
          idempotencyKey: `system:${report.scheme_id}:reconciliation:${input.reconciliationId}`,
        },
      });
      await tx.reconciliation.update({ where: { id: input.reconciliationId }, data: { resyncRunId: run.id, resyncCount: ids.length } });
      return { run, created: true, count: ids.length };
    });
  } catch (error) {
    if (isUniqueViolation(error, "runs_one_active_per_scheme")) {
      const report = await db.reconciliation.findUnique({ where: { id: input.reconciliationId }, select: { schemeId: true } });
      const schemeId = report?.schemeId ?? "";
      throw new SchemeBusyError(schemeId, await findActiveRun(db, schemeId));
    }
    throw error;
  }
}
