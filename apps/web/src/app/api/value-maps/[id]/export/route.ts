import { getValueMap, prisma } from "@qiao/db";
import { NextResponse } from "next/server";
import { uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { entriesToCsv } from "@/server/value-map-csv";

export const dynamic = "force-dynamic";
const WHAT = "值映射";

/** GET /api/value-maps/:id/export — the entries as CSV for Excel (UTF-8 with BOM, CRLF, header 源值,目标值). */
export const GET = withAuth<{ id: string }>(async (_req, { params }) => {
  const row = await getValueMap(prisma(), uuidParam(params.id, WHAT));
  if (!row) throw notFound(WHAT);
  const filename = encodeURIComponent(`${row.name}.csv`);
  return new NextResponse(entriesToCsv(row.entries), {
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="value-map.csv"; filename*=UTF-8''${filename}`,
    },
  });
}, { role: "viewer" });
