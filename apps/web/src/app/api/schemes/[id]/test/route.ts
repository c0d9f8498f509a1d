import { prisma } from "@qiao/db";
import { requestRun } from "@qiao/jobs";
import { runDetailEnvelopeSchema, testSchemeBody } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { runQueue } from "@/server/queue";
import { runDetail, waitForRun } from "@/server/runs";
import { assertShownVersion, findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * POST /api/schemes/:id/test — a test run of the saved version, executed by the worker (the web
 * process never calls the ERPs): one page of source records and the exact payloads the target
 * would receive. Waits up to `waitMs`; 200 when finished, else 202 and the client polls the run.
 * With `baseVersion` (the version the editor shows), a scheme saved since is a 409.
 */
export const POST = withAuth<{ id: string }>(async (req, { principal, params, locale }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const body = await readJson(req, testSchemeBody);
  assertShownVersion(scheme, body.baseVersion, "test");
  const run = await requestRun(db, runQueue(), {
    schemeId: scheme.id,
    // Pinned to the version just checked: a save committed meanwhile does not change what is tested.
    scheme,
    trigger: "test",
    createdById: principal.userId,
    options: { sampleSize: body.sampleSize, writeCount: body.writeCount },
  });
  const row = await waitForRun(db, run.id, body.waitMs);
  const finished = row.status !== "queued" && row.status !== "running";
  return json(runDetailEnvelopeSchema, { run: await runDetail(db, row, locale) }, finished ? 200 : 202);
}, { role: "editor" });
