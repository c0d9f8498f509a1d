import { countFailedRecords, listFailedRecords, prisma } from "@qiao/db";
import { schemeFailedRecordListSchema, schemeFailedRecordsQuery } from "@/lib/api/schemas";
import { json, readQuery, uuidParam, withAuth } from "@/server/api";
import { findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * GET /api/schemes/:id/failed-records?cursor=…&only=dead — the scheme's records whose last write
 * failed and that nothing has written since (and bills saved but not audited, status "saved"),
 * whatever became of the run that failed them; `only=dead`: the dead letters (死信); `cursor` = last id seen.
 */
export const GET = withAuth<{ id: string }>(async (req, { params }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const { cursor, limit, only } = readQuery(req, schemeFailedRecordsQuery);
  const [rows, total] = await Promise.all([
    listFailedRecords(db, { schemeId: scheme.id, afterId: BigInt(cursor ?? "0"), limit: limit + 1, only }),
    countFailedRecords(db, scheme.id, only),
  ]);
  const page = rows.slice(0, limit);
  return json(schemeFailedRecordListSchema, {
    records: page.map((r) => ({
      id: r.id.toString(),
      sourceId: r.sourceId,
      status: r.status,
      error: r.error,
      errorField: r.errorField,
      attempts: r.attempts,
      failedAt: r.failedAt.toISOString(),
      errorClass: r.errorClass,
      retryAt: r.retryAt?.toISOString() ?? null,
      retryStep: r.retryStep,
      deadAt: r.deadAt?.toISOString() ?? null,
      run: r.run && { ...r.run, createdAt: r.run.createdAt.toISOString() },
    })),
    nextCursor: rows.length > limit ? (page.at(-1)?.id.toString() ?? null) : null,
    total,
  });
}, { role: "viewer" });
