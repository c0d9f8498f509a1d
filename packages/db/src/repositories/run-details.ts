// A run as people read it (the run pages and the API): the run with its scheme's name, a scheme's
// runs page by page, the records a run tried to write with their source data, and its log lines.
// Pages are keyset pages: the caller asks for one row more than it shows to know whether there is
// a next page.
import { RecordStatus } from "../../generated/prisma/enums";
import { Prisma, type RunLog, type RunOutcome } from "../../generated/prisma/client";
import type { Db } from "../client";
import { BATCH_ROW_IDS } from "./sql";
import { RUN_WITH_SCHEME_NAME, type RunWithSchemeName } from "./schemes";

export async function findRunWithSchemeName(db: Db, id: string): Promise<RunWithSchemeName | null> {
  return db.run.findUnique({ where: { id }, include: RUN_WITH_SCHEME_NAME });
}

/** A scheme's runs, newest first, after the run `afterRunId` (the last one of the previous page). */
/** Whether `runId` is a run of the scheme (a runs list's cursor must be one: listSchemeRuns). */
export async function schemeHasRun(db: Db, schemeId: string, runId: string): Promise<boolean> {
  return (await db.run.findFirst({ where: { id: runId, schemeId }, select: { id: true } })) !== null;
}

export async function listSchemeRuns(db: Db, input: { schemeId: string; afterRunId?: string; take: number }): Promise<RunWithSchemeName[]> {
  return db.run.findMany({
    where: { schemeId: input.schemeId },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    take: input.take,
    ...(input.afterRunId && { cursor: { id: input.afterRunId }, skip: 1 }),
    include: RUN_WITH_SCHEME_NAME,
  });
}

/**
 * The records a run tried to write (of one status, when given), in id order after `afterId`: its
 * run_records rows and the entries of its run_written_batches rows (the written records of a batch,
 * one row per batch), as RunRecords. Each status is a range of the (run_id, status, id) index, and
 * the written entries a range of the batch rows' (run_id, id) key; without a status the page merges
 * one such range per status (LATERAL … LIMIT), so a page of a million-record run reads a few index
 * pages instead of sorting the run's records or walking run_records from the first id.
 */
export async function listRunRecords(
  db: Db,
  input: { runId: string; status?: RecordStatus; afterId?: bigint; take: number },
): Promise<RunOutcome[]> {
  return db.$queryRaw<RunOutcome[]>(runRecordsPageSql(input));
}

const COLUMNS = Prisma.raw(`id, run_id AS "runId", source_record_id AS "sourceRecordId", source_id AS "sourceId", status, error,
  error_field AS "errorField", error_class AS "errorClass", payload, response, target_id AS "targetId", target_number AS "targetNumber",
  batch_id AS "batchId", created_at AS "createdAt", updated_at AS "updatedAt"`);

/**
 * The statement of listRunRecords (exported for its plan test): per status, the next `take` rows of
 * the (run_id, status, id) index after `afterId`, and for `written` also the next `take` entries of
 * the run's batch rows, merged. The bounds are row comparisons, not `run_id = … AND status = …`:
 * with equalities the planner may walk the primary key in id order and filter (it assumes the run's
 * records are spread evenly over the table, and they are one contiguous stretch of it, possibly far
 * from the start), while `ORDER BY run_id, status, id` with these bounds is one short range of the
 * index, whatever the statistics say. A batch row owns the BATCH_ROW_IDS ids from its own: the rows
 * that may hold an id after `afterId` start after `afterId` − BATCH_ROW_IDS, and their entries are in id order.
 */
export function runRecordsPageSql(input: { runId: string; status?: RecordStatus; afterId?: bigint; take: number }): Prisma.Sql {
  const after = input.afterId ?? 0n;
  const statuses = input.status ? [input.status] : Object.values(RecordStatus);
  const ranges = statuses.map(
    (status) => Prisma.sql`(SELECT ${COLUMNS} FROM run_records
      WHERE (run_id, status, id) > (${input.runId}::uuid, ${status}::record_status, ${after}::bigint) AND (run_id, status) <= (${input.runId}::uuid, ${status}::record_status)
      ORDER BY run_id, status, id LIMIT ${input.take})`,
  );
  if (statuses.includes("written")) {
    ranges.push(Prisma.sql`(SELECT e.id, b.run_id AS "runId", e.source_record_id AS "sourceRecordId", e.source_id AS "sourceId",
        'written'::record_status AS status, NULL::text AS error, NULL::text AS "errorField", NULL::error_class AS "errorClass",
        e.payload::jsonb, e.response::jsonb, e.target_id AS "targetId", e.target_number AS "targetNumber", b.batch_id AS "batchId",
        b.created_at AS "createdAt", b.created_at AS "updatedAt"
      FROM run_written_batches b
      CROSS JOIN LATERAL unnest(b.ids, b.source_record_ids, b.source_ids, b.payloads, b.responses, b.target_ids, b.target_numbers)
        WITH ORDINALITY AS e(id, source_record_id, source_id, payload, response, target_id, target_number, n)
      WHERE b.run_id = ${input.runId}::uuid AND b.id > ${after}::bigint - ${Prisma.raw(String(BATCH_ROW_IDS))} AND e.id > ${after}::bigint
      ORDER BY b.id, e.n LIMIT ${input.take})`);
  }
  return Prisma.sql`SELECT * FROM (${Prisma.join(ranges, " UNION ALL ")}) r ORDER BY id LIMIT ${input.take}`;
}

/** How many of the run's records ended in each status (statuses with none are absent). */
export async function countRunRecordsByStatus(db: Db, runId: string): Promise<Partial<Record<RecordStatus, number>>> {
  // The batch rows count their entries: the run's written records without unnesting them.
  const groups = await db.$queryRaw<{ status: RecordStatus; n: number }[]>`
    SELECT status, sum(n)::int AS n FROM (
      SELECT status, count(*) AS n FROM run_records WHERE run_id = ${runId}::uuid GROUP BY status
      UNION ALL
      SELECT 'written'::record_status, sum(written) FROM run_written_batches WHERE run_id = ${runId}::uuid
    ) c
    WHERE n > 0
    GROUP BY status`;
  return Object.fromEntries(groups.map((g) => [g.status, g.n]));
}

/** The staging rows' data by id (RunRecords keep the payload sent; the source data lives in staging). */
export async function sourceDataByRecord(db: Db, sourceRecordIds: bigint[]): Promise<Map<bigint, unknown>> {
  const rows = await db.sourceRecord.findMany({ where: { id: { in: sourceRecordIds } }, select: { id: true, data: true } });
  return new Map(rows.map((s) => [s.id, s.data]));
}

/**
 * The run's failed records and its saved bills (已保存未审核; only those of `ids`, when given), to
 * retry them: what a retry of the run takes (staging's failedRecords with `retryOfId`). A run whose
 * only problems were bills its audit refused was answered "no failed records" although its retry
 * would audit them (session 31).
 */
export async function listFailedRunRecords(db: Db, runId: string, ids?: bigint[]): Promise<{ id: bigint; sourceRecordId: bigint }[]> {
  return db.runRecord.findMany({
    where: { runId, status: { in: ["failed", "saved"] }, ...(ids && { id: { in: ids } }) },
    select: { id: true, sourceRecordId: true },
  });
}

/** The run's log lines in order, after the line `afterId` (the last one the reader has). */
export async function listRunLogs(db: Db, input: { runId: string; afterId?: bigint; take: number }): Promise<RunLog[]> {
  return db.runLog.findMany({
    where: { runId: input.runId, ...(input.afterId !== undefined && { id: { gt: input.afterId } }) },
    orderBy: { id: "asc" },
    take: input.take,
  });
}

/** How many of a run's last log lines may follow its last `run.finished` line (see finishedRunTimings). */
export const FINISHED_LINE_WITHIN = 50;

/**
 * What the run's last finished attempt logged about its time (the `run.finished` line's
 * `timingsMs` and `target`, see the engine's execute-run and timings), or null when the run has no
 * such line (still running, failed before finishing its phases, or older than the line's fields).
 * Unparsed: the reader checks the shape. Only the run's last FINISHED_LINE_WITHIN lines are looked
 * at, through its (run_id, id) index backwards: the line is the attempt's last but for what the
 * next attempt adds, and a run that never finished (failed, cancelled) must not cost a walk through
 * a million-record run's 20,000 lines each time its page is opened.
 */
export async function finishedRunTimings(db: Db, runId: string): Promise<{ timings: unknown; target: unknown } | null> {
  const rows = await db.$queryRaw<{ timings: unknown; target: unknown }[]>`
    SELECT l.data->'timingsMs' AS timings, l.data->'target' AS target
    FROM (SELECT id, data FROM run_logs WHERE run_id = ${runId}::uuid ORDER BY id DESC LIMIT ${FINISHED_LINE_WITHIN}) l
    WHERE l.data->'message'->>'code' = 'run.finished'
    ORDER BY l.id DESC LIMIT 1`;
  return rows[0] ?? null;
}
