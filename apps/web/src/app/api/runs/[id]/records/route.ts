import { countRunRecordsByStatus, listRunRecords, prisma, sourceDataByRecord } from "@qiao/db";
import { runRecordListSchema, runRecordsQuery } from "@/lib/api/schemas";
import { json, readQuery, uuidParam, withAuth } from "@/server/api";
import { findRun } from "@/server/runs";

export const dynamic = "force-dynamic";

/**
 * GET /api/runs/:id/records?status=failed&cursor=… — the records this run tried to write, each with
 * its source data, the payload sent, the target's answer and the error; `cursor` = last id seen.
 */
export const GET = withAuth<{ id: string }>(async (req, { params }) => {
  const db = prisma();
  const run = await findRun(db, uuidParam(params.id, "运行记录"));
  const { status, cursor, limit } = readQuery(req, runRecordsQuery);
  const [rows, counts] = await Promise.all([
    listRunRecords(db, { runId: run.id, status, afterId: cursor === undefined ? undefined : BigInt(cursor), take: limit + 1 }),
    countRunRecordsByStatus(db, run.id),
  ]);
  const page = rows.slice(0, limit);
  const sources = await sourceDataByRecord(db, page.map((r) => r.sourceRecordId));
  return json(runRecordListSchema, {
    records: page.map((r) => ({
      id: r.id.toString(),
      sourceId: r.sourceId,
      status: r.status,
      error: r.error,
      errorField: r.errorField,
      source: sources.get(r.sourceRecordId) ?? null,
      payload: r.payload,
      response: r.response,
      targetId: r.targetId,
      targetNumber: r.targetNumber,
      updatedAt: r.updatedAt.toISOString(),
    })),
    nextCursor: rows.length > limit ? (page.at(-1)?.id.toString() ?? null) : null,
    counts,
  });
}, { role: "viewer" });
