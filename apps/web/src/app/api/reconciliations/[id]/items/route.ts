import { prisma, reconciliationItems } from "@qiao/db";
import { reconciliationItemListSchema, reconciliationItemsQuery } from "@/lib/api/schemas";
import { json, readQuery, uuidParam, withAuth } from "@/server/api";
import { findReport } from "@/server/reconciliations";

export const dynamic = "force-dynamic";

/**
 * GET /api/reconciliations/:id/items?category=missing|extra|different — the keys the report kept, in
 * number order (missing: the ones a resync writes again first, then the others).
 */
export const GET = withAuth<{ id: string }>(async (req, { params }) => {
  const db = prisma();
  const report = await findReport(db, uuidParam(params.id, "对账报告"));
  const { category, cursor, limit } = readQuery(req, reconciliationItemsQuery);
  const rows = await reconciliationItems(db, report.id, { category, limit: limit + 1, ...(cursor && { afterId: BigInt(cursor) }) });
  const page = rows.slice(0, limit);
  return json(reconciliationItemListSchema, {
    items: page.map((i) => ({
      id: i.id.toString(),
      category: i.category,
      number: i.number,
      sourceId: i.sourceId,
      stagedStatus: i.stagedStatus,
      sourceName: i.sourceName,
      targetName: i.targetName,
      targetId: i.targetId,
    })),
    nextCursor: rows.length > limit ? (page.at(-1)?.id.toString() ?? null) : null,
  });
}, { role: "viewer" });
