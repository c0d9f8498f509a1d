// Map → write, with the write protocol of DESIGN.md: records left `sending` by another attempt and
// records whose outcome is unknown are settled first (./outcomes.ts); then pending records go out in
// target-sized batches, each marked `sending` (with its batch id) before the call and written /
// failed / unknown after the answer (the steps of one batch: ./batch-steps.ts). Every mark and
// outcome write is fenced by the attempt.
import { message } from "@qiao/core";
import { nextPendingRecords, releaseSending } from "@qiao/db";
import { AttemptSuperseded } from "./failure";
import { batchSendBy, finishBatch, markBatch, sendBatch, sentNumbers, type MarkedBatch } from "./batch-steps";
import { hashedPayload } from "./hash";
import { settleOutcomes, type OutcomesPending } from "./outcomes";
import { emptyBatch, prepare, type PreparedBatch } from "./prepared-batch";
import { later } from "./promises";
import { CONCURRENCY_STEPS_MAX, type PhaseEnd, type RunScope } from "./scope";

/** The scheme's pending records (or the run's), read from staging in batches and mapped. */
async function* stagedBatches(x: RunScope, onlyThisRun: boolean): AsyncGenerator<PreparedBatch> {
  const { plan, run } = x;
  // None pending when this attempt looked, and none made pending by it since: no pass over staging.
  if (x.outstanding && !x.outstanding.pending) return;
  let afterId = 0n;
  for (;;) {
    // Room in the process's record budget for a batch read back, before it is read.
    await x.held.acquire(plan.target.batchSize);
    const rows = await x.clock.time("protocol", () =>
      nextPendingRecords(x.db, {
        schemeId: run.schemeId,
        afterId,
        limit: plan.target.batchSize,
        ...(onlyThisRun && { runId: run.id }),
      }),
    );
    x.held.release(plan.target.batchSize - rows.length);
    if (rows.length === 0) return;
    afterId = rows[rows.length - 1]!.id;
    const vars = x.vars();
    const batch = emptyBatch();
    batch.held = rows.length;
    await x.warm(rows.map((r) => r.data), vars);
    for (const row of rows) {
      const mapped = x.clock.timeSync("map", () => {
        const m = x.map(row.data, vars);
        if (m.excluded) return { payload: m.payload, errors: m.errors, waits: m.waits, hash: "", excluded: true };
        const { hash, text } = hashedPayload(m.payload, m.errors);
        return { payload: m.payload, errors: m.errors, waits: m.waits, hash, text };
      });
      prepare(batch, row, mapped);
    }
    yield batch;
  }
}


/**
 * Writes the pending records of the scheme (or, with `onlyThisRun`, those a retry or test run took
 * over), batch after batch, stopping at a batch boundary when cancelled or shutting down. Records
 * left `sending` by another attempt and unknown outcomes that are due are settled first (unless
 * `settle` is false: the caller did that already).
 */
export async function writePending(x: RunScope, onlyThisRun: boolean, settle = true): Promise<PhaseEnd> {
  await x.progress({ phase: "writing" });
  if (settle) await settleOutcomes(x);
  return writeBatches(x, stagedBatches(x, onlyThisRun));
}

/**
 * After the last batch: settles again (records parked meanwhile, unknown outcomes that came due)
 * and writes what the lookups found absent and the records handed their number, until there is
 * nothing more to send. Says what is still unknown when it is done.
 */
export async function settleAndWrite(x: RunScope, onlyThisRun: boolean): Promise<{ end: PhaseEnd; pending?: OutcomesPending }> {
  for (;;) {
    const settled = await settleOutcomes(x);
    // Records handed their number by the last pass are pending: one more pass sends them.
    const handedOver = x.numbersHandedOver;
    x.numbersHandedOver = 0;
    if (settled.requeued === 0 && handedOver === 0) return { end: "done", pending: settled.pending };
    const end = await writeBatches(x, stagedBatches(x, onlyThisRun));
    if (end !== "done") return { end };
  }
}

/**
 * Sends `batches` through the write protocol with up to `x.target.concurrency` calls in flight (the
 * connection's "concurrent calls"; its slots bound all runs together). What does not need the
 * target waits for no call: while calls are in flight, the next batch is taken (prepared by the
 * read, or read from staging) and marked `sending`, and each answer is recorded as it comes. So at
 * most C + 1 batches are ever `sending`: those in flight and the next. Every batch goes through the
 * same steps as when they were sent one at a time (marked, fenced, sent by the lease's end,
 * recorded), so overlapping them changes no outcome: a record is in one batch only. Stops at a
 * batch boundary when cancelled or shutting down, after the calls in flight are answered and
 * recorded (a batch marked but not sent is put back to pending); "done" when `batches` ran out.
 */
export async function writeBatches(x: RunScope, batches: AsyncIterable<PreparedBatch>): Promise<PhaseEnd> {
  const it = batches[Symbol.asyncIterator]();
  // Read at every call: the connection's concurrent calls changed mid-run apply from the next call
  // (lowered, the calls in flight are answered first; see live-settings.ts).
  const limit = () => Math.max(1, x.target.concurrency);
  let batchNo = x.batchesSent;
  /** The next batch, marked; or why there is none to send (stop, cancellation, or none left). */
  const takeAndMark = async (): Promise<MarkedBatch | PhaseEnd> => {
    const stop = x.interruption();
    if (stop) return stop;
    const taken = await it.next();
    if (taken.done) return "done";
    const marked = await markBatch(x, { ...taken.value, batchNo: ++batchNo });
    x.batchesSent = batchNo;
    // Cancelled before anything was marked: the batch is dropped.
    if (marked === "cancelled") x.held.release(taken.value.held);
    return marked;
  };
  /**
   * Calls in flight (settled when answered) and batches not yet recorded (settled when their
   * outcomes are): a slot is free again once its call is answered, so recording one batch overlaps
   * the next call, as it did when batches went one at a time. The first failure among them ends the phase.
   */
  const calls = new Set<Promise<void>>();
  const flights = new Set<Promise<void>>();
  let failed: { error: unknown } | undefined;
  /** Why the phase stops, learnt by a batch that waited for its call (cancelled or stopped meanwhile). */
  let stopped: Exclude<PhaseEnd, "done"> | undefined;
  const fly = (batch: MarkedBatch, sendBy: number) => {
    const call = sendBatch(x, batch, sendBy);
    const answered: Promise<void> = call.then(
      () => undefined,
      () => undefined,
    );
    calls.add(answered);
    void answered.then(() => calls.delete(answered));
    const flight: Promise<void> = call
      .then((outcomes) => (typeof outcomes === "string" ? void (stopped ??= outcomes) : finishBatch(x, batch, outcomes)))
      .catch((error: unknown) => {
        failed ??= { error };
      })
      .finally(() => x.held.release(batch.held));
    flights.add(flight);
    void flight.then(() => flights.delete(flight));
  };
  /** Whether a call must wait: `limit` in flight, or more than `limit` answers being recorded. */
  const full = () => calls.size >= limit() || flights.size > limit();
  const slotFree = async () => {
    while (full()) await Promise.race([...calls, ...flights]);
  };
  const landAll = async () => {
    while (flights.size > 0) await Promise.all(flights);
  };
  const throwIfFailed = () => {
    if (failed) throw failed.error;
  };
  /** A batch marked but not to be sent (the phase stops): pending again. */
  const putBack = (batch: MarkedBatch) => {
    x.held.release(batch.held);
    return releaseSending(x.db, { ...x.attemptRef, schemeId: x.run.schemeId, batchId: batch.batchId, numbers: sentNumbers(x, batch) });
  };
  let next = later(takeAndMark());
  try {
    for (;;) {
      const batch = await next;
      throwIfFailed();
      if (typeof batch === "string") {
        await landAll();
        throwIfFailed();
        return stopped ?? batch;
      }
      // Until the batch goes. A limit lowered while it was marked makes it wait for calls out to be
      // answered; what was learnt meanwhile (a failure, a stop, a cancellation, the lease) is then
      // checked again, and the call starts in the same step as the check of the limit that let it go.
      // A changed setting is named in the run log once, as the next batch is about to go.
      if (x.target.concurrency !== x.concurrencyNamed) {
        const from = x.concurrencyNamed;
        const to = x.target.concurrency;
        x.concurrencySteps.push(to);
        if (x.concurrencySteps.length > CONCURRENCY_STEPS_MAX) x.concurrencySteps.splice(1, 1);
        await x.journal.info(message("write.concurrencyChanged", { from, to }), { connectionId: x.plan.target.connectionId, from, to });
        throwIfFailed();
      }
      let sendBy: number | undefined;
      while (sendBy === undefined) {
        if (stopped) {
          await putBack(batch);
          await landAll();
          throwIfFailed();
          return stopped;
        }
        // Marked while other calls were in flight: the run may have been stopped, or its lease may
        // be past its half, since (batchSendBy). Then the batch was certainly not sent: pending
        // again (if this attempt still owns the run; otherwise the owner parks it as unknown).
        const stop = await batchSendBy(x, batch);
        if (typeof stop !== "number") {
          if (stop !== "superseded") await putBack(batch);
          await landAll();
          if (stop === "superseded") throw new AttemptSuperseded();
          throwIfFailed();
          return stop;
        }
        if (!full()) sendBy = stop;
        else {
          await Promise.race([...calls, ...flights]);
          throwIfFailed();
        }
      }
      fly(batch, sendBy);
      next = later(takeAndMark());
      await slotFree();
    }
  } catch (error) {
    // Nothing keeps running after the phase ends: the next batch and the calls in flight settle
    // first (their outcomes recorded), and a next batch marked but never sent is pending again.
    const [marked] = await Promise.allSettled([next, landAll()]);
    if (marked.status === "fulfilled" && typeof marked.value !== "string") {
      await putBack(marked.value).catch(() => undefined);
    }
    throw error;
  } finally {
    await it.return?.(undefined);
  }
}
