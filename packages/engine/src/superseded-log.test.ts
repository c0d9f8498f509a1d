// An attempt taken over while one of its source calls hung (a worker stalled past its lease,
// SIGSTOP, a lost job lock) and that fails once the call gives up writes no "运行失败" into the log of
// the run the other attempt finished (found by session 33's audit: its finishRun was fenced by the
// attempt, its log lines were not, and the page of a succeeded run said it failed).
import { afterEach, expect, test } from "vitest";
import { ConnectorError, type SourceClient } from "@qiao/connectors";
import { executeRun } from "./execute-run";
import { runToEnd, simulate, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("superseded-log");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

test("a superseded attempt whose hung page call fails afterwards writes no 运行失败 into the run another attempt finished succeeded", async () => {
  sim = await simulate(t.db, { shops: 50, concurrency: 1 });
  const scheme = await sim.createScheme();
  const r = await sim.requestRun(scheme.id, "manual");

  // The old attempt's first page call hangs (its worker is stalled) and, once released, times out.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let entered = false;
  const hanging = wrapClients({
    guanyi: (real: SourceClient): SourceClient => ({
      ...real,
      readPages() {
        return (async function* () {
          entered = true;
          await released;
          // The page never comes: the generator ends by throwing, as a hung call that times out does.
          const gaveUp = new ConnectorError("timeout", "guanyi", "管易云 在 5000 ms 内没有回答");
          if (gaveUp) throw gaveUp;
          yield* [];
        })();
      },
    }),
  });
  const old = executeRun(testContext(t.db, { leaseMs: 1_000, getConnector: hanging }), r.id);
  await expect.poll(() => entered, { timeout: 10_000 }).toBe(true);

  // Another worker takes the run over and finishes it.
  const taking = await runToEnd(testContext(t.db), r.id);
  expect(taking.kind).toBe("finished");
  expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "succeeded", written: 50, attempt: 2 });
  const linesBefore = await t.db.runLog.count({ where: { runId: r.id } });

  // The stalled worker resumes: its call gives up, and its attempt ends as superseded.
  release();
  expect((await old).kind).toBe("superseded");

  const run = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  expect(run).toMatchObject({ status: "succeeded", written: 50, error: null });
  // The run's log says what the run did: no line of the superseded attempt claims it failed.
  const after = await t.db.runLog.findMany({ where: { runId: r.id }, orderBy: { id: "asc" }, skip: linesBefore });
  expect(after.map((l) => `${l.level}: ${l.message}`)).toEqual([]);
  expect(await t.db.runLog.count({ where: { runId: r.id, level: "error" } })).toBe(0);
}, 30_000);
