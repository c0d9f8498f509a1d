// Run retention and a retry that has sent a record it took, whose outcome is not known yet (session
// 31's audit; failing before). pruneRuns kept "while a retry is not finished, … the runs its taken records
// failed in" only for taken records that are `pending` or `saved` at the moment of the pruning. A
// record the retry has marked `sending` (its call in flight, or its worker died mid-call) or whose
// answer was unknown (timeout, 5xx after sending: it waits QIAO_UNKNOWN_OUTCOME_WAIT_S to be looked
// up) is still the retry's, and comes back to `pending` when the lookup finds it absent. If the retry
// then ends before sending it again (金蝶 down: the run fails as a run; or a person cancels it),
// restoreUnsentRetries puts it back failed with `last_run_id` = the run its failure came from, which
// the pruning in between deleted: the failed records' list shows it with no run and no field.
import { afterAll, beforeAll, expect, it } from "vitest";
import type { RecordStatus, RunStatus, RunTrigger } from "../../generated/prisma/enums";
import { createPrisma, type Db } from "../client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { listFailedRecords } from "./failed-records";
import { pruneRuns } from "./prune-runs";
import { endRetryEarly } from "./retry-ends";
import { createRun } from "./runs";

let tdb: TestDatabase;
let db: Db;
beforeAll(async () => {
  tdb = await createTestDatabase("pruneaudit");
  db = createPrisma(tdb.url, 2);
});
afterAll(async () => {
  await db?.$disconnect();
  await tdb?.drop();
});

const days = (n: number) => new Date(Date.now() - n * 86_400_000);

async function finished(schemeId: string, age: number, trigger: RunTrigger, status: RunStatus, failed = 0) {
  const run = await createRun(db, { schemeId, schemeVersion: 1, trigger });
  return db.run.update({ where: { id: run.id }, data: { status, phase: "done", createdAt: days(age), finishedAt: days(age), failed } });
}

it.each(["sending", "unknown"] as const satisfies readonly RecordStatus[])(
  "keeps the run a retried record failed in while the unfinished retry's send of it is %s",
  async (inFlight) => {
    const s = await db.scheme.create({ data: { name: `重试中-${inFlight}`, definition: {} } });
    // The record failed 40 days ago (a dead letter nobody looked at): its run is kept for the list.
    const failedIn = await finished(s.id, 40, "manual", "failed", 1);
    await finished(s.id, 1, "schedule", "succeeded");
    const x = await db.sourceRecord.create({
      data: {
        schemeId: s.id, sourceId: "X", data: {}, payloadHash: "h", status: "failed", lastRunId: failedIn.id,
        lastError: "金蝶繁忙，请稍后再试", errorClass: "transient", retryStep: 5, deadAt: days(39),
      },
    });
    await db.runRecord.create({
      data: { runId: failedIn.id, sourceRecordId: x.id, sourceId: "X", status: "failed", error: "金蝶繁忙，请稍后再试", errorField: "FName", errorClass: "transient", payload: { FNumber: "X" } },
    });
    const [before] = await listFailedRecords(db, { schemeId: s.id, afterId: 0n, limit: 10 });
    expect(before).toMatchObject({ errorField: "FName", run: { id: failedIn.id } });

    // A person presses 重试 on it: the retry took it (assignFailedToRun) and sent it; the answer
    // is not in yet (`sending`), or it was a timeout (`unknown`, to be looked up after the wait).
    const retry = await createRun(db, { schemeId: s.id, schemeVersion: 1, trigger: "retry", options: { scope: "scheme", sourceRecordIds: [String(x.id)] } });
    await db.run.update({ where: { id: retry.id }, data: { status: "running", phase: "writing", attempt: 1 } });
    await db.sourceRecord.update({
      where: { id: x.id },
      data: {
        status: inFlight, lastRunId: retry.id, sendingRunId: retry.id, lastError: null, errorClass: null, retryStep: 0, deadAt: null,
        retryPrior: {
          status: "failed", payload_hash: "h", mapped_with: null, last_error: "金蝶繁忙，请稍后再试", last_run_id: failedIn.id,
          retry_step: 5, retry_at: null, dead_at: days(39).toISOString(), error_class: "transient",
        },
      },
    });

    // The daily pruning comes meanwhile.
    await pruneRuns(db, 30);

    // The lookup finds it absent in 金蝶: pending again, to be sent again by the retry (outcomes.ts)…
    await db.sourceRecord.update({ where: { id: x.id }, data: { status: "pending", sendingRunId: null } });
    // … which fails as a run before it does (金蝶 down): what it took and did not send is put back.
    await endRetryEarly(db, await db.run.findUniqueOrThrow({ where: { id: retry.id } }), { failure: null });

    // Back in the failed records' list (and the dead letters) as it was: with the run that failed
    // it and that run's RunRecord (the field, the payload a person looks at before retrying again).
    const [after] = await listFailedRecords(db, { schemeId: s.id, afterId: 0n, limit: 10 });
    expect(after).toMatchObject({ id: x.id, status: "failed" });
    expect(after!.run?.id ?? null).toBe(failedIn.id);
    expect(after!.errorField).toBe("FName");
  },
);
