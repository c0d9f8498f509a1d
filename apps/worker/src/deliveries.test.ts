// Two deliveries of one job in one worker keep apart (session 34): BullMQ may hand a stalled job
// back to the worker whose first delivery of it still runs. The worker's part, end to end, is in
// worker.test.ts (its heartbeat tests); this is the bookkeeping alone.
import { expect, test } from "vitest";
import { Deliveries } from "./deliveries";

const RUN = "7a0c5d2e-0000-4000-8000-000000000001";

test("a second delivery of a job keeps its lock-loss abort and its run in the heartbeat after the first ends", async () => {
  const deliveries = new Deliveries();
  const first = deliveries.begin(RUN, RUN);
  const second = deliveries.begin(RUN, RUN);
  // The first lost the job's lock when BullMQ handed the job out again.
  expect(first.lost.aborted).toBe(true);
  expect(second.lost.aborted).toBe(false);

  first.attemptOver();
  let firstReturned = false;
  const firstFinished = first.finish().then(() => {
    firstReturned = true;
  });
  expect(deliveries.runs()).toEqual([RUN]);
  deliveries.lockLost([RUN]);
  expect(second.lost.aborted).toBe(true);

  // The first returns to BullMQ (which then stops renewing the job's lock) only after the second.
  await new Promise((resolve) => setTimeout(resolve, 20));
  expect(firstReturned).toBe(false);
  second.attemptOver();
  expect(deliveries.runs()).toEqual([]);
  await second.finish();
  await firstFinished;
  expect(firstReturned).toBe(true);
});

test("a job's lock lost aborts only its deliveries still in their attempt; other jobs and runs are untouched", async () => {
  const deliveries = new Deliveries();
  const other = deliveries.begin("other-run", "other-run");
  const reconcile = deliveries.begin("reconcile-1");
  const run = deliveries.begin(RUN, RUN);
  run.attemptOver();
  deliveries.lockLost([RUN, "reconcile-1"]);
  expect([other.lost.aborted, reconcile.lost.aborted, run.lost.aborted]).toEqual([false, true, false]);
  // A reconciliation is no run: the heartbeat lists runs only.
  expect(deliveries.runs()).toEqual(["other-run"]);
  await Promise.all([other.finish(), reconcile.finish(), run.finish()]);
  expect(deliveries.runs()).toEqual([]);
});
