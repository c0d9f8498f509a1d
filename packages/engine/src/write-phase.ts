// Map → write, with the write protocol of DESIGN.md: records left `sending` by an interrupted
// attempt are looked up in the target before anything is resent; then pending records go out in
// target-sized batches, each marked `sending` (with its batch id) before the call and
// written / failed after the answer.
import { randomUUID } from "node:crypto";
import { mapRecord } from "@qiao/core";
import { isConnectorError, type WriteOutcome } from "@qiao/connectors";
import {
  markSending,
  nextPendingRecords,
  recordMappingFailures,
  recordWriteResults,
  releaseSending,
  resolveSending,
  runFence,
  sendingRecords,
  type MappingFailure,
  type SendingVerdict,
  type WriteResult,
} from "@qiao/db";
import { AttemptSuperseded } from "./failure";
import { payloadHash } from "./hash";
import { later } from "./promises";
import type { PhaseEnd, RunScope } from "./scope";

/** How many `sending` records one lookup asks about. */
const RECOVERY_CHUNK = 500;

/**
 * Connector errors after which the target certainly did not process the batch. (Target connectors
 * report a transport failure that may have reached the server as `unknown_outcome`; `network`
 * means the request never left.)
 */
const NOT_PROCESSED = new Set(["auth", "request", "throttled", "network"]);

function numberOf(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * Looks up the numbers of records left `sending` (a worker died mid-call, or the connection dropped
 * after the target committed): found → written, absent → pending, no number → failed.
 */
export async function recoverSending(x: RunScope): Promise<void> {
  const { plan, run } = x;
  let afterId = 0n;
  const totals = { written: 0, requeued: 0, failed: 0 };
  for (;;) {
    const rows = await x.clock.time("protocol", () => sendingRecords(x.db, { schemeId: run.schemeId, afterId, limit: RECOVERY_CHUNK }));
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1]!.id;
    const numbers = rows.map((r) => (r.payload ? numberOf(r.payload[plan.target.numberField]) : undefined));
    const lookup = numbers.filter((n): n is string => n !== undefined);
    const existing =
      lookup.length > 0
        ? await x.clock.time("write", () => x.target.findExisting(plan.target.formId, [...new Set(lookup)], x.ctx.signal))
        : new Map<string, string>();
    const claimed = new Set<string>();
    const verdicts: SendingVerdict[] = rows.map((row, i) => {
      const number = numbers[i];
      const targetId = number === undefined || claimed.has(number) ? undefined : existing.get(number);
      if (targetId !== undefined) claimed.add(number!);
      return {
        id: row.id,
        batchId: row.batchId,
        outcome: targetId !== undefined ? "found" : number !== undefined ? "absent" : "unverifiable",
        sentHash: row.payload ? payloadHash(row.payload) : null,
        targetId: targetId ?? null,
        targetNumber: targetId !== undefined ? number : null,
      };
    });
    const result = await x.clock.time("protocol", () => resolveSending(x.db, {
      mode: plan.target.mode,
      verdicts,
      messages: {
        absent: "写入中断，目标系统中未找到这条记录，已重新排队发送 / The write was interrupted and the record is not in the target; it was queued again",
        unverifiable:
          `写入中断，这条记录没有 ${plan.target.numberField}，无法确认目标系统是否已保存；请在目标系统中核对后重试 / ` +
          `The write was interrupted and the record has no ${plan.target.numberField} to check; verify it in the target, then retry`,
      },
    }));
    totals.written += result.written;
    totals.requeued += result.requeued;
    totals.failed += result.failed;
  }
  if (totals.written + totals.requeued + totals.failed === 0) return;
  await x.progress({ written: totals.written, failed: totals.failed });
  await x.journal.warn(
    `发现 ${totals.written + totals.requeued + totals.failed} 条上次写入中断的记录，已按 ${plan.target.numberField} 在目标系统中核对：` +
      `${totals.written} 条已存在（记为已写入），${totals.requeued} 条不存在（重新发送）` +
      (totals.failed > 0 ? `，${totals.failed} 条无法核对（记为失败）` : ""),
    `Found ${totals.written + totals.requeued + totals.failed} records left sending by an interrupted write; looked up by ${plan.target.numberField}: ` +
      `${totals.written} exist (written), ${totals.requeued} do not (sent again)` +
      (totals.failed > 0 ? `, ${totals.failed} cannot be checked (failed)` : ""),
    totals,
  );
}

/** A record ready to be sent: its staging row and its mapped payload (with the payload's hash). */
export interface Sendable {
  record: { id: bigint; sourceId: string };
  payload: Record<string, unknown>;
  hash: string;
}

/** A batch of pending records, mapped (not yet marked): those to send and the mapping failures. */
export interface PreparedBatch {
  failures: MappingFailure[];
  sendable: Sendable[];
}

/** A prepared batch with its number in the run's log. */
interface TakenBatch extends PreparedBatch {
  batchNo: number;
}

/** A batch whose mapping failures are recorded and whose other records are marked `sending`. */
interface MarkedBatch {
  batchNo: number;
  batchId: string;
  toSend: Sendable[];
  failed: number;
  firstError: string | undefined;
}

/** Sorts one mapped record into a batch: a payload to send, or a mapping failure. */
export function prepare(
  batch: PreparedBatch,
  record: { id: bigint; sourceId: string },
  mapped: { payload: Record<string, unknown>; errors: readonly { field: string; message: string }[]; hash: string },
): void {
  if (mapped.errors.length > 0) {
    batch.failures.push({
      id: record.id,
      sourceId: record.sourceId,
      hash: mapped.hash,
      payload: mapped.payload,
      error: mapped.errors.map((e) => e.message).join("；"),
      errorField: mapped.errors[0]!.field,
    });
  } else {
    batch.sendable.push({ record, payload: mapped.payload, hash: mapped.hash });
  }
}

/** The scheme's pending records (or the run's), read from staging in batches and mapped. */
async function* stagedBatches(x: RunScope, onlyThisRun: boolean): AsyncGenerator<PreparedBatch> {
  const { plan, run } = x;
  let afterId = 0n;
  for (;;) {
    const rows = await x.clock.time("protocol", () =>
      nextPendingRecords(x.db, {
        schemeId: run.schemeId,
        afterId,
        limit: plan.target.batchSize,
        ...(onlyThisRun && { runId: run.id }),
      }),
    );
    if (rows.length === 0) return;
    afterId = rows[rows.length - 1]!.id;
    const vars = x.vars();
    const batch: PreparedBatch = { failures: [], sendable: [] };
    for (const row of rows) {
      const mapped = x.clock.timeSync("map", () => {
        const m = mapRecord(plan.target, row.data, vars, plan.timezone);
        return { ...m, hash: payloadHash(m.payload, m.errors) };
      });
      prepare(batch, row, mapped);
    }
    yield batch;
  }
}

/**
 * Step 1 of the write protocol, before the call (while the call before it is in flight): the
 * records marked `sending` (fenced by the attempt and by cancellation), then the mapping failures
 * recorded. At most this batch and the one in flight are `sending`. "cancelled": the run's
 * cancellation was requested, nothing was marked.
 */
async function markBatch(x: RunScope, batch: TakenBatch): Promise<MarkedBatch | "cancelled"> {
  const { run } = x;
  const batchId = randomUUID();
  let toSend: Sendable[] = [];
  if (batch.sendable.length > 0) {
    const marked = await x.clock.time("protocol", () =>
      markSending(x.db, {
        schemeId: run.schemeId,
        runId: run.id,
        attempt: run.attempt,
        batchId,
        records: batch.sendable.map((s) => ({ id: s.record.id, sourceId: s.record.sourceId, payload: s.payload, hash: s.hash })),
        mappingKey: x.mappingKey,
      }),
    );
    if (marked.size < batch.sendable.length) {
      const now = await x.db.run.findUnique({ where: { id: run.id }, select: { attempt: true, status: true, cancelRequested: true } });
      if (now?.attempt !== run.attempt || now.status !== "running") throw new AttemptSuperseded();
      if (now.cancelRequested) return "cancelled";
    }
    toSend = batch.sendable.filter((s) => marked.has(s.record.id));
  }
  const failed = await x.clock.time("protocol", () => recordMappingFailures(x.db, { runId: run.id, failures: batch.failures }));
  return { batchNo: batch.batchNo, batchId, toSend, failed, firstError: batch.failures[0]?.error };
}

/** The BatchSave (or equivalent) call of a marked batch; a failure is handled by afterFailedCall. */
async function sendBatch(x: RunScope, batch: MarkedBatch): Promise<WriteOutcome[]> {
  const { plan } = x;
  if (batch.toSend.length === 0) return [];
  try {
    return await x.clock.time("write", () =>
      x.target.write({
        api: plan.target.api.id,
        formId: plan.target.formId,
        records: batch.toSend.map((s) => s.payload),
        options: plan.target.options,
        mode: plan.target.mode,
        ...(x.ctx.signal && { signal: x.ctx.signal }),
      }),
    );
  } catch (error) {
    await afterFailedCall(x, error, batch.batchId, batch.toSend.length);
    throw error;
  }
}

/** Step 2 of the write protocol: a batch's outcomes (written / failed), its counters and log line. */
async function finishBatch(x: RunScope, batch: MarkedBatch, outcomes: WriteOutcome[]): Promise<void> {
  const { run, journal } = x;
  let failed = batch.failed;
  let written = 0;
  let firstError = batch.firstError;
  if (batch.toSend.length > 0) {
    const byIndex = new Map(outcomes.map((o) => [o.index, o]));
    const results: WriteResult[] = batch.toSend.map((s, i) => {
      const o = byIndex.get(i);
      if (!o) {
        return { id: s.record.id, ok: false, hash: s.hash, error: "目标连接器没有返回这条记录的结果 / The target connector returned no outcome for this record" };
      }
      return o.ok
        ? { id: s.record.id, ok: true, hash: s.hash, targetId: o.targetId, targetNumber: o.targetNumber, response: o.response }
        : { id: s.record.id, ok: false, hash: s.hash, error: o.message, errorField: o.field ?? null, response: o.response };
    });
    firstError ??= results.find((r) => !r.ok)?.error ?? undefined;
    // The answers, their RunRecords and the run's counters: one statement.
    const recorded = await x.clock.time("protocol", () =>
      recordWriteResults(x.db, { runId: run.id, batchId: batch.batchId, mode: x.plan.target.mode, results, alsoFailed: batch.failed }),
    );
    written = recorded.written;
    failed += recorded.failed;
    x.observe(recorded.run);
  } else {
    await x.progress({ written, failed });
  }
  await journal[failed > 0 ? "warn" : "info"](
    `第 ${batch.batchNo} 批：写入 ${written} 条` + (failed > 0 ? `，失败 ${failed} 条（例如：${firstError}）` : ""),
    `Batch ${batch.batchNo}: ${written} written` + (failed > 0 ? `, ${failed} failed (e.g. ${firstError})` : ""),
    { batch: batch.batchNo, written, failed },
  );
}

/**
 * Writes the pending records of the scheme (or, with `onlyThisRun`, those a retry or test run took
 * over), batch after batch, stopping at a batch boundary when cancelled or shutting down. Records
 * left `sending` by an interrupted attempt are looked up first (unless `recover` is false: the
 * caller did that already).
 */
export async function writePending(x: RunScope, onlyThisRun: boolean, recover = true): Promise<PhaseEnd> {
  await x.progress({ phase: "writing" });
  if (recover) await recoverSending(x);
  return writeBatches(x, stagedBatches(x, onlyThisRun));
}

/**
 * Sends `batches` through the write protocol, one call at a time, in order, as the protocol has
 * it; what does not need the target waits for no call: while a batch's call is in flight, the next
 * batch is taken (prepared by the read, or read from staging) and marked `sending`, and the
 * previous batch's outcomes are recorded. So at most two batches are ever `sending`: the one in
 * flight and the next. Stops at a batch boundary when cancelled or shutting down (a batch marked
 * but not sent is put back to pending); "done" when `batches` ran out.
 */
export async function writeBatches(x: RunScope, batches: AsyncIterable<PreparedBatch>): Promise<PhaseEnd> {
  const it = batches[Symbol.asyncIterator]();
  let batchNo = x.batchesSent;
  /** The next batch, marked; or why there is none to send (stop, cancellation, or none left). */
  const takeAndMark = async (): Promise<MarkedBatch | PhaseEnd> => {
    const stop = x.interruption();
    if (stop) return stop;
    const taken = await it.next();
    if (taken.done) return "done";
    const marked = await markBatch(x, { ...taken.value, batchNo: ++batchNo });
    x.batchesSent = batchNo;
    return marked;
  };
  let next = later(takeAndMark());
  let finishing: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const batch = await next;
      if (typeof batch === "string") {
        await finishing;
        return batch;
      }
      // Marked while the previous call was in flight: the run may have been cancelled, stopped or
      // taken over by another attempt since. Then the batch was certainly not sent: pending again.
      const stop = await stillToSend(x);
      if (stop) {
        await releaseSending(x.db, { schemeId: x.run.schemeId, batchId: batch.batchId, runId: x.run.id });
        await finishing;
        if (stop === "superseded") throw new AttemptSuperseded();
        return stop;
      }
      const call = sendBatch(x, batch);
      next = later(takeAndMark());
      const outcomes = await call;
      // Outcomes are recorded in batch order (counters, log lines), one recording outstanding.
      await finishing;
      finishing = later(finishBatch(x, batch, outcomes));
    }
  } catch (error) {
    // Nothing keeps running after the phase ends: the next batch and the last recording settle
    // first, and a next batch marked but never sent is pending again.
    const [marked] = await Promise.allSettled([next, finishing]);
    if (marked.status === "fulfilled" && typeof marked.value !== "string") {
      await releaseSending(x.db, { schemeId: x.run.schemeId, batchId: marked.value.batchId, runId: x.run.id }).catch(() => undefined);
    }
    throw error;
  } finally {
    await it.return?.(undefined);
  }
}

/** Right before a call: null to go on, or why the run must stop instead. */
async function stillToSend(x: RunScope): Promise<Exclude<PhaseEnd, "done"> | "superseded" | null> {
  const stop = x.interruption();
  if (stop) return stop;
  const now = await x.clock.time("protocol", () => runFence(x.db, x.run.id));
  if (now?.attempt !== x.run.attempt || now.status !== "running") return "superseded";
  return now.cancelRequested ? "cancelled" : null;
}

/**
 * A batch call that threw. If the target certainly did not process it, its records are pending
 * again; otherwise they stay `sending`, and the next attempt looks them up before resending.
 */
async function afterFailedCall(x: RunScope, error: unknown, batchId: string, size: number): Promise<void> {
  if (isConnectorError(error) && NOT_PROCESSED.has(error.kind)) {
    await releaseSending(x.db, { schemeId: x.run.schemeId, batchId, runId: x.run.id });
    return;
  }
  await x.journal.warn(
    `有 ${size} 条记录的写入结果未知（${error instanceof Error ? error.message : String(error)}）：下次运行会先在目标系统中核对，不会重复写入`,
    `The outcome of ${size} records is unknown; the next attempt looks them up in the target before resending anything`,
    { batchId, size },
  );
}
