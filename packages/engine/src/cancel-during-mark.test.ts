// A cancellation that lands while a batch is being marked (session 26's audit of run lifecycles).
// The mark is one statement that checks cancellation in its snapshot; when it did not take every
// record of the batch (here: one carries a number another record holds), markBatch reads the fence
// again and, seeing the cancellation, drops the batch. The records the mark did take were `sending`
// with no call made: the cancelled run left them so, and only a later run, after a lease and the
// unknown-outcome wait and a lookup in 金蝶, brought them back. markBatch now puts them back to
// pending (releaseSending), as the write phase does with a batch marked but not sent.
import { ConnectorError, type SourceClient, type WriteRequest } from "@qiao/connectors";
import { cancelRun } from "@qiao/db";
import { afterEach, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { runToEnd, simulate, testContext, wrapClients, type Simulated } from "./testing/harness";
import { holdStagingRow, marksWaitingForLocks } from "./testing/row-lock";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("cancel_mark");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test("a run cancelled while its batch is being marked leaves none of that batch's records sending", async () => {
  sim = await simulate(t.db, { shops: 200, concurrency: 1 });
  const scheme = await sim.createScheme();

  // A first run stages everything and fails on its first call (certainly not sent): all pending.
  const refusing = testContext(t.db, {
    getConnector: wrapClients({
      kingdee: (real) => ({
        ...real,
        async write(_req: WriteRequest) {
          throw new ConnectorError("network", "kingdee", "connection refused");
        },
      }),
    }),
  });
  const first = await sim.requestRun(scheme.id, "manual");
  expect((await runToEnd(refusing, first.id)).kind).toBe("finished");
  const pending = await t.db.sourceRecord.findMany({ where: { schemeId: scheme.id, status: "pending" }, orderBy: { id: "asc" } });
  expect(pending.length).toBeGreaterThanOrEqual(100);

  // In the next read, the second shop now carries the first shop's code (FNumber): the mark of the
  // first batch leaves it out (another record holds that number).
  const firstCode = String((pending[0]!.data as { code: string }).code);
  const secondId = pending[1]!.sourceId;
  const duplicateCode = (real: SourceClient): SourceClient => ({
    async *readPages(req) {
      for await (const page of real.readPages(req)) {
        yield { ...page, records: page.records.map((rec) => (String(rec.id) === secondId ? { ...rec, code: firstCode } : rec)) };
      }
    },
  });

  // Another session holds a row of the first batch, so that batch's mark waits after its snapshot.
  const held = await holdStagingRow(t.db, pending[5]!.id);

  const r = await sim.requestRun(scheme.id, "manual");
  const running = executeRun(testContext(t.db, { leaseMs: 10_000, getConnector: wrapClients({ guanyi: duplicateCode }) }), r.id);
  await expect.poll(() => marksWaitingForLocks(t.db), { timeout: 15_000 }).toBeGreaterThan(0);
  // The person presses 取消 while the mark is under way.
  await cancelRun(t.db, r.id);
  await sleep(200);
  await held.release();
  const outcome = await running;
  expect(outcome.kind).toBe("finished");
  expect(await t.db.run.findUniqueOrThrow({ where: { id: r.id } })).toMatchObject({ status: "cancelled" });
  // Nothing was sent by the cancelled run…
  expect(sim.kingdee.stats().customers).toBe(0);
  // …and it must not leave records marked `sending` behind.
  const sending = await t.db.sourceRecord.count({ where: { schemeId: scheme.id, status: "sending" } });
  expect(sending).toBe(0);
}, 60_000);
