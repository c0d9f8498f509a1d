// An attempt taken over while a page of its read was in flight (session 26's audit of run
// lifecycles). The statement that stages a page also adds to the run's counters; neither was fenced
// by the attempt, and the engine learnt it had lost the run only from the row that statement
// returned: a stalled worker's late page was staged again and counted on the run another attempt
// had finished (读取 400 of 300, phase back to reading on a succeeded run), and a read it completed
// could move the scheme's cursor. stagePage, resetReadCounters and completeRead are fenced by the
// attempt now; an attempt that no longer owns the run stages, counts and moves nothing.
import type { SourceClient } from "@qiao/connectors";
import { afterEach, expect, test } from "vitest";
import { executeRun } from "./execute-run";
import { runToEnd, simulate, testContext, wrapClients, type Simulated } from "./testing/harness";
import { useTestDb } from "./testing/use-test-db";

const t = useTestDb("superseded_read");
let sim: Simulated | undefined;

afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

test("an attempt superseded while its first page was in flight does not add that page to the finished run's counters", async () => {
  sim = await simulate(t.db, { shops: 300, concurrency: 1 });
  const scheme = await sim.createScheme();
  const r = await sim.requestRun(scheme.id, "manual");

  let taken: () => void = () => {};
  const takenOver = new Promise<void>((resolve) => (taken = resolve));
  let firstPageAsked: () => void = () => {};
  const asked = new Promise<void>((resolve) => (firstPageAsked = resolve));
  // The old attempt's first page arrives only after another attempt has taken the run and finished it.
  const stalled = (real: SourceClient): SourceClient => ({
    async *readPages(req) {
      let first = true;
      for await (const page of real.readPages(req)) {
        if (first) {
          first = false;
          firstPageAsked();
          await takenOver;
        }
        yield page;
      }
    },
  });
  const old = executeRun(testContext(t.db, { leaseMs: 1_000, getConnector: wrapClients({ guanyi: stalled }) }), r.id);
  await asked;
  const other = await runToEnd(testContext(t.db), r.id);
  expect(other.kind).toBe("finished");
  const finished = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  expect(finished).toMatchObject({ status: "succeeded", phase: "done", fetched: 300, written: 300, attempt: 2 });
  taken();
  expect((await old).kind).toBe("superseded");

  const after = await t.db.run.findUniqueOrThrow({ where: { id: r.id } });
  // The superseded attempt must not have touched the finished run's row.
  expect({ status: after.status, phase: after.phase, fetched: after.fetched, skipped: after.skipped, total: after.total }).toEqual({
    status: finished.status,
    phase: finished.phase,
    fetched: finished.fetched,
    skipped: finished.skipped,
    total: finished.total,
  });
}, 60_000);
