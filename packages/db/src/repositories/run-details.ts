// A run as people read it (the run pages and the API): the run with its scheme's name, a scheme's
// runs page by page, the records a run tried to write with their source data, and its log lines.
// Pages are keyset pages: the caller asks for one row more than it shows to know whether there is
// a next page.
import { RecordStatus } from "../../generated/prisma/enums";
import { Prisma, type RunLog, type RunRecord } from "../../generated/prisma/client";
import type { Db } from "../client";
import { RUN_WITH_SCHEME_NAME, type RunWithSchemeName } from "./schemes";

export async function findRunWithSchemeName(db: Db, id: string): Promise<RunWithSchemeName | null> {
  return db.run.findUnique({ where: { id }, include: RUN_WITH_SCHEME_NAME });
}

/** A scheme's runs, newest first, after the run `afterRunId` (the last one of the previous page). */
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
 * The records a run tried to write (of one status, when given), in id order after `afterId`. Each
 * status is a range of the (run_id, status, id) index; without a status the page merges one such
 * range per status (LATERAL … LIMIT), so a page of a million-record run reads a few index pages
 * instead of sorting the run's records or walking run_records from the first id.
 */
export async function listRunRecords(
  db: Db,
  input: { runId: string; status?: RecordStatus; afterId?: bigint; take: number },
): Promise<RunRecord[]> {
  const ids = await db.$queryRaw<{ id: bigint }[]>(runRecordIdsPageSql(input));
  if (ids.length === 0) return [];
  return db.runRecord.findMany({ where: { id: { in: ids.map((r) => r.id) } }, orderBy: { id: "asc" } });
}

/**
 * The ids of listRunRecords' page (exported for its plan test): per status, the next `take` ids of
 * the (run_id, status, id) index after `afterId`, merged. The bounds are row comparisons, not
 * `run_id = … AND status = …`: with equalities the planner may walk the primary key in id order
 * and filter (it assumes the run's records are spread evenly over the table, and they are one
 * contiguous stretch of it, possibly far from the start), while `ORDER BY run_id, status, id` with
 * these bounds is one short range of the index, whatever the statistics say.
 */
export function runRecordIdsPageSql(input: { runId: string; status?: RecordStatus; afterId?: bigint; take: number }): Prisma.Sql {
  const after = input.afterId ?? 0n;
  const ranges = (input.status ? [input.status] : Object.values(RecordStatus)).map(
    (status) => Prisma.sql`(SELECT id FROM run_records
      WHERE (run_id, status, id) > (${input.runId}::uuid, ${status}::record_status, ${after}) AND (run_id, status) <= (${input.runId}::uuid, ${status}::record_status)
      ORDER BY run_id, status, id LIMIT ${input.take})`,
  );
  return Prisma.sql`SELECT id FROM (${Prisma.join(ranges, " UNION ALL ")}) r ORDER BY id LIMIT ${input.take}`;
}

/** How many of the run's records ended in each status (statuses with none are absent). */
export async function countRunRecordsByStatus(db: Db, runId: string): Promise<Partial<Record<RecordStatus, number>>> {
  const groups = await db.runRecord.groupBy({ by: ["status"], where: { runId }, _count: { _all: true } });
  return Object.fromEntries(groups.map((g) => [g.status, g._count._all]));
}

/** The staging rows' data by id (RunRecords keep the payload sent; the source data lives in staging). */
export async function sourceDataByRecord(db: Db, sourceRecordIds: bigint[]): Promise<Map<bigint, unknown>> {
  const rows = await db.sourceRecord.findMany({ where: { id: { in: sourceRecordIds } }, select: { id: true, data: true } });
  return new Map(rows.map((s) => [s.id, s.data]));
}

/** The run's failed records (only those of `ids`, when given), to write them again. */
export async function listFailedRunRecords(db: Db, runId: string, ids?: bigint[]): Promise<{ id: bigint; sourceRecordId: bigint }[]> {
  return db.runRecord.findMany({
    where: { runId, status: "failed", ...(ids && { id: { in: ids } }) },
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
