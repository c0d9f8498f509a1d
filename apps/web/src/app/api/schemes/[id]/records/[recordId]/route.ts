import { findStagedRecord, prisma } from "@qiao/db";
import { stagedRecordDetailSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { stagedRecordDto } from "@/server/staged-records";
import { findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";

/** GET /api/schemes/:id/records/:recordId — one staged record with its data as the source sent it last. */
export const GET = withAuth<{ id: string; recordId: string }>(async (_req, { params }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  if (!/^\d{1,18}$/.test(params.recordId)) throw notFound("暂存记录");
  const row = await findStagedRecord(db, { schemeId: scheme.id, id: BigInt(params.recordId) });
  if (!row) throw notFound("暂存记录");
  return json(stagedRecordDetailSchema, { record: { ...stagedRecordDto(row), data: row.data } });
}, { role: "viewer" });
