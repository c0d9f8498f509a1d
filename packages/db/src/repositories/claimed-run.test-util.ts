// For tests of the write protocol's statements: a scheme with pending staging rows and a run of it
// claimed by its first attempt.
import type { Db } from "../client";
import { claimRun, createRun } from "./runs";

/**
 * A new scheme (named `label` and a random suffix) with one pending row per source id (data
 * `{ code }`, data hash `d-<id>`, payload hash `h1`), and a run of it claimed: the attempt's
 * reference and the rows' ids by source id.
 */
export async function claimedRunWithPending(db: Db, label: string, sourceIds: string[]) {
  const scheme = await db.scheme.create({ data: { name: `${label} ${Math.random()}`, definition: {} } });
  const run = await createRun(db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  const claimed = await claimRun(db, run.id, new Date());
  if (!claimed.claimed) throw new Error("not claimed");
  const ids = new Map<string, bigint>();
  for (const sourceId of sourceIds) {
    const row = await db.sourceRecord.create({
      data: { schemeId: scheme.id, sourceId, data: { code: sourceId }, dataHash: `d-${sourceId}`, payloadHash: "h1", status: "pending", lastRunId: run.id },
    });
    ids.set(sourceId, row.id);
  }
  return { ref: { runId: run.id, attempt: claimed.run.attempt, schemeId: scheme.id }, ids };
}
