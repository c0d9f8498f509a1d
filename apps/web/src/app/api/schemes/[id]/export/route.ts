import { prisma } from "@qiao/db";
import { NextResponse } from "next/server";
import { uuidParam, withAuth } from "@/server/api";
import { exportScheme } from "@/server/scheme-transfer";
import { findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";

/** GET /api/schemes/:id/export — the scheme as a JSON file (schemeExport schema), without credentials. */
export const GET = withAuth<{ id: string }>(async (_req, { params }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const file = await exportScheme(db, scheme);
  const filename = encodeURIComponent(`${scheme.name}.qiao.json`);
  return new NextResponse(JSON.stringify(file, null, 2), {
    headers: {
      "content-type": "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="scheme.qiao.json"; filename*=UTF-8''${filename}`,
    },
  });
}, { role: "viewer" });
