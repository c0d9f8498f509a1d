// A run's retry requested while the daily pruning is under way (session 31's audit; failing before:
// now the pruning skips runs an active retry points to, and requestRun stores scope "run").
// pruneRuns looks up once, before it deletes anything, the runs something still needs, among them
// the `retry_of_id` of queued and running retries ("that set can only shrink while the chunks go").
// A retry requested after that look-up (a person presses 重试 on an older run's page while the
// pruning deletes a day of runs: 22 s at 200 schemes, minutes for a first backlog) is not in the set:
// the run it retries is deleted, ON DELETE SET NULL clears the retry's `retry_of_id`, and the retry,
// with no scope of its own, becomes a retry of the whole scheme (prepareRetry: scope "scheme" when
// there is no retryOfId): it sends every failed record of the scheme, including failures of other
// runs and dead letters nobody asked to retry.
import { createRun, pruneRuns, type Db } from "@qiao/db";
import { afterEach, expect, test } from "vitest";
import { runToEnd, simulate, testContext, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("retryprunerace");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const days = (n: number) => new Date(Date.now() - n * 86_400_000);

/** `db`, whose first raw query (pruneRuns' look-up of the runs still needed) is followed by `then`. */
function afterFirstQuery(db: Db, then: () => Promise<unknown>): Db {
  let done = false;
  return new Proxy(db, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (prop === "$queryRaw" && typeof value === "function") {
        return async (...args: unknown[]) => {
          const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          if (!done) {
            done = true;
            await then();
          }
          return result;
        };
      }
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

test("a retry of a run requested while the pruning runs takes only that run's failed records", async () => {
  sim = await simulate(t.db, { shops: 20, concurrency: 1 });
  const scheme = await sim.createScheme();
  // Every shop's number is taken in 金蝶: the first run fails all 20.
  const shops = sim.guanyi.state.shops.query({}, 0, 20).shops;
  sim.kingdee.store.preCreate(shops.map((s) => ({ FNumber: s.code, FName: "别人先建的" })));
  const first = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(testContext(t.db), first.id)).kind).toBe("finished");
  // Retried once already, failed again: their last run is that retry (the first run is kept by nothing).
  const again = await sim.requestRun(scheme.id, "retry", { retryOfId: first.id });
  expect((await runToEnd(testContext(t.db), again.id)).kind).toBe("finished");
  expect((await t.db.run.findUniqueOrThrow({ where: { id: again.id } })).failed).toBe(20);
  // The first run is past the 30 days' retention.
  await t.db.run.update({ where: { id: first.id }, data: { createdAt: days(41), startedAt: days(41), finishedAt: days(40) } });

  // 5 failures of another run Z, dead letters: not part of a retry of the first run.
  const z = await createRun(t.db, { schemeId: scheme.id, schemeVersion: 1, trigger: "manual" });
  await t.db.run.update({ where: { id: z.id }, data: { status: "failed", phase: "done", finishedAt: new Date() } });
  const others: bigint[] = [];
  for (let i = 0; i < 5; i++) {
    const data = { id: `Z${i}`, code: `Z-${i}`, name: `别的店 ${i}`, nick: "", note: "", type_name: "淘宝", create_date: "2024-01-01 00:00:00", modify_date: "2024-01-01 00:00:00" };
    const made = await t.db.sourceRecord.create({
      data: { schemeId: scheme.id, sourceId: `Z${i}`, data, payloadHash: "z", status: "failed", lastRunId: z.id, lastError: "别的失败", errorClass: "transient", retryStep: 5, deadAt: new Date() },
    });
    others.push(made.id);
  }

  // The daily pruning; a person presses 重试 on the first run's page once it has looked up what it keeps.
  let retryId: string | undefined;
  await pruneRuns(
    afterFirstQuery(t.db, async () => {
      retryId = (await sim!.requestRun(scheme.id, "retry", { retryOfId: first.id })).id;
    }),
    30,
  );
  expect(retryId).toBeDefined();
  expect((await runToEnd(testContext(t.db), retryId!)).kind).toBe("finished");

  // The retry sent the first run's 20 failures, and none of Z's dead letters.
  expect(await t.db.runOutcome.count({ where: { runId: retryId!, sourceRecordId: { in: others } } })).toBe(0);
  expect((await t.db.sourceRecord.findMany({ where: { id: { in: others } }, select: { status: true } })).map((r) => r.status)).toEqual(Array(5).fill("failed"));
}, 60_000);
