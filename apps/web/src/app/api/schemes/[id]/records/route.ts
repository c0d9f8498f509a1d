import { listStagedRecords, prisma } from "@qiao/db";
import { stagedRecordListSchema, stagedRecordsQuery } from "@/lib/api/schemas";
import { json, readQuery, uuidParam, withAuth } from "@/server/api";
import { stagedRecordDto } from "@/server/staged-records";
import { findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * GET /api/schemes/:id/records?sourceId=…&status=…&cursor=… — the scheme's staged records (数据湖)
 * in id order, optionally of one status; with `sourceId`, that record only (what became of it:
 * written, failed, waiting, filtered …). `cursor` = the last id seen.
 */
export const GET = withAuth<{ id: string }>(async (req, { params }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const { sourceId, status, cursor, limit } = readQuery(req, stagedRecordsQuery);
  const rows = await listStagedRecords(db, { schemeId: scheme.id, afterId: BigInt(cursor ?? "0"), limit: limit + 1, status, sourceId });
  const page = rows.slice(0, limit);
  return json(stagedRecordListSchema, {
    records: page.map(stagedRecordDto),
    nextCursor: rows.length > limit ? (page.at(-1)?.id.toString() ?? null) : null,
  });
}, { role: "viewer" });
