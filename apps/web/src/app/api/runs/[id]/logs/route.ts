import { listRunLogs, prisma } from "@qiao/db";
import { runLogListSchema, runLogsQuery } from "@/lib/api/schemas";
import { json, readQuery, uuidParam, withAuth } from "@/server/api";
import { findRun, runLogText } from "@/server/runs";

export const dynamic = "force-dynamic";

/** GET /api/runs/:id/logs?after=… — log lines in order; poll with `after` = the last id received. */
export const GET = withAuth<{ id: string }>(async (req, { params, locale }) => {
  const db = prisma();
  const run = await findRun(db, uuidParam(params.id, "运行记录"));
  const { after, limit } = readQuery(req, runLogsQuery);
  const rows = await listRunLogs(db, { runId: run.id, afterId: after === undefined ? undefined : BigInt(after), take: limit });
  return json(runLogListSchema, {
    logs: rows.map((l) => ({ id: l.id.toString(), at: l.at.toISOString(), level: l.level, message: runLogText(l, locale), data: l.data ?? null })),
  });
}, { role: "viewer" });
