// The write protocol's steps for one batch (DESIGN.md): marked `sending` before the call (with the
// batch's mapping failures and waiting records recorded), the call itself by the attempt's lease,
// and its answers recorded (written / failed / unknown). write-phase.ts takes batches and keeps up
// to the connection's concurrent calls in flight through these steps.
import { randomUUID } from "node:crypto";
import { message, type LookupWait } from "@qiao/core";
import { isConnectorError, type WriteOutcome } from "@qiao/connectors";
import {
  markSending,
  recordMappingFailures,
  recordFiltered,
  resolveNumberConflicts,
  recordWaiting,
  recordWriteResults,
  releaseSending,
  renewLease,
  runFence,
  type MappingFailure,
  type NumberConflict,
  type WaitingRecordInput,
  type WriteResult,
} from "@qiao/db";
import { AttemptSuperseded } from "./failure";
import { clockTime } from "./outcomes";
import { namedWait, waitReasonParts, type PreparedBatch, type Sendable, type Waiting } from "./prepared-batch";
import type { PhaseEnd, RunScope } from "./scope";
import { numberTakenError, payloadNumber, renumberedFailures } from "./target-number";

/** A prepared batch with its number in the run's log. */
export interface TakenBatch extends PreparedBatch {
  batchNo: number;
}

/** A batch whose mapping failures are recorded and whose other records are marked `sending`. */
export interface MarkedBatch {
  batchNo: number;
  batchId: string;
  toSend: Sendable[];
  failed: number;
  firstError: string | undefined;
  waiting: number;
  /** The first waiting record's reason (waitReasonParts), for the batch's log line. */
  firstWait: { zh: string; en: string; leftOut: boolean } | undefined;
  /** See PreparedBatch.held. */
  held: number;
  /**
   * The lease the mark was fenced under (markSending's MarkedRecords): when the mark began (this
   * process's clock) and how long the lease still ran then. Absent when nothing was marked.
   */
  fenced?: { at: number; leaseMsLeft: number };
}

/**
 * Step 1 of the write protocol, before the call (while the call before it is in flight): the
 * records marked `sending` (fenced by the attempt and by cancellation), then the mapping failures
 * recorded. At most this batch and the one in flight are `sending`. "cancelled": the run's
 * cancellation was requested, nothing was marked.
 */
export async function markBatch(x: RunScope, batch: TakenBatch): Promise<MarkedBatch | "cancelled"> {
  const { run } = x;
  const batchId = randomUUID();
  let toSend: Sendable[] = [];
  let refusals: MappingFailure[] = [];
  x.assertOwner();
  let fenced: MarkedBatch["fenced"];
  if (batch.sendable.length > 0) {
    const at = Date.now();
    const marked = await x.clock.time("protocol", () =>
      markSending(x.db, {
        ...x.attemptRef,
        schemeId: run.schemeId,
        batchId,
        records: batch.sendable.map((s) => ({
          id: s.record.id,
          sourceId: s.record.sourceId,
          payload: s.payload,
          hash: s.hash,
          payloadText: s.text,
          dataHash: s.record.dataHash,
          number: payloadNumber(s.payload, x.plan.target.numberField),
        })),
        mappingKey: x.mappingKey,
        automaticRetry: x.automaticRetry,
        freshNumbers: x.numbersFresh,
        upsert: x.plan.target.mode === "upsert",
      }),
    );
    x.numbersFresh = marked.numbersNew;
    toSend = batch.sendable.filter((s) => marked.has(s.record.id));
    if (marked.size < batch.sendable.length) {
      const now = await runFence(x.db, run.id);
      if (now?.attempt !== run.attempt || now.status !== "running" || now.leaseMsLeft === 0) throw new AttemptSuperseded();
      if (now.cancelRequested) {
        // The mark may have marked the batch's other records `sending` before the cancellation
        // was seen: nothing was sent, so they go back to pending (as a batch put back unsent).
        if (toSend.length > 0) {
          await x.clock.time("protocol", () => releaseSending(x.db, { ...x.attemptRef, schemeId: run.schemeId, batchId, numbers: numbersOf(x, toSend) }));
        }
        return "cancelled";
      }
    }
    if (marked.leaseMsLeft !== null) fenced = { at, leaseMsLeft: marked.leaseMsLeft };
    // Not marked: sent meanwhile from another batch, or its staged data changed since it was mapped
    // (the newer copy is in a later batch), or its number is another record's (refused below, or
    // handed over to it). Whatever is still pending, the sweep after the read takes.
    if (toSend.length < batch.sendable.length && x.outstanding) x.outstanding.pending = true;
    refusals = await refuseTakenNumbers(x, batch, marked.conflicts);
    if (marked.renumbered.length > 0) {
      refusals = [...refusals, ...renumberedFailures(batch.sendable, marked.renumbered, x.plan.target.numberField, x.plan.target.api.bill !== undefined)];
    }
  }
  const failures = refusals.length > 0 ? [...batch.failures, ...refusals] : batch.failures;
  const failed = await x.clock.time("protocol", () => recordMappingFailures(x.db, { ...x.attemptRef, failures }));
  const waiting = await recordWaits(x, batch.waiting);
  const filtered =
    batch.filtered.length === 0
      ? 0
      : await x.clock.time("protocol", () =>
          recordFiltered(x.db, { ...x.attemptRef, schemeId: run.schemeId, mappingKey: x.mappingKey, records: batch.filtered.map((r) => ({ id: r.id, dataHash: r.dataHash })) }),
        );
  // Not recorded, like a record not marked: sent or recorded meanwhile, or staged again with newer
  // data since it was mapped. Whatever is still pending, the sweep after the read takes.
  if ((failed < failures.length || waiting < batch.waiting.length || filtered < batch.filtered.length) && x.outstanding) x.outstanding.pending = true;
  return {
    batchNo: batch.batchNo,
    batchId,
    toSend,
    failed,
    firstError: failures[0]?.error,
    waiting,
    firstWait: batch.waiting[0] && waitReasonParts(batch.waiting[0].waits, leftOutBy(x)),
    held: batch.held,
    ...(fenced && { fenced }),
  };
}

/**
 * The records the mark did not mark because of their numbers (MarkedRecords.conflicts), read again:
 * those whose number another record holds fail (a data failure, naming the holder, recorded with the
 * batch's mapping failures); the others stay pending for the sweep (their number is theirs now).
 */
async function refuseTakenNumbers(x: RunScope, batch: TakenBatch, conflicts: readonly NumberConflict[]): Promise<MappingFailure[]> {
  if (conflicts.length === 0) return [];
  const verdicts = await x.clock.time("protocol", () => resolveNumberConflicts(x.db, { schemeId: x.run.schemeId, conflicts }));
  x.numbersHandedOver += verdicts.free.length;
  const field = x.plan.target.numberField;
  const byId = new Map(batch.sendable.map((s) => [s.record.id, s]));
  return verdicts.refused.map(({ id, holderSourceId }) => {
    const s = byId.get(id)!;
    const number = payloadNumber(s.payload, field)!;
    return {
      id,
      sourceId: s.record.sourceId,
      hash: s.hash,
      payload: s.payload,
      error: numberTakenError(field, number, holderSourceId),
      errorField: field,
      dataHash: s.record.dataHash,
    };
  });
}

/** Whether a wait's key is one its dependency's filter node leaves out, as the run's lookups found it. */
const leftOutBy =
  (x: RunScope) =>
  (w: LookupWait): boolean =>
    x.lookups?.leftOut(w) ?? false;

/** Records that wait: `waiting`, with what for (scheme ids resolved by the run's lookups). Fenced. */
async function recordWaits(x: RunScope, waiting: Waiting[]): Promise<number> {
  if (waiting.length === 0) return 0;
  const lookups = x.lookups!;
  const leftOut = leftOutBy(x);
  const records: WaitingRecordInput[] = waiting.map((w) => {
    // One row per scheme waited for: its first key (the first the scheme's filter leaves out, if
    // one is: the wait limit's reason names it), checked as of the oldest answer of that scheme the
    // record waits on (a write after any of them may release it).
    const perScheme = new Map<string, { wait: LookupWait; checkedAt: Date }>();
    for (const wait of w.waits) {
      const since = lookups.absentSince(wait.scheme, wait.key);
      const first = perScheme.get(wait.scheme);
      if (!first) perScheme.set(wait.scheme, { wait, checkedAt: since });
      else {
        if (since < first.checkedAt) first.checkedAt = since;
        if (!leftOut(first.wait) && leftOut(wait)) first.wait = wait;
      }
    }
    const reason = waitReasonParts(w.waits, leftOut);
    return {
      id: w.record.id,
      sourceId: w.record.sourceId,
      hash: w.hash,
      payload: w.payload,
      reason: `${reason.zh} / ${reason.en}`,
      // The field the reason names (its first left-out wait, else its first).
      field: namedWait(w.waits, leftOut).field,
      dataHash: w.record.dataHash,
      waits: [...perScheme.values()].map(({ wait, checkedAt }) => ({
        schemeId: lookups.schemeId(wait.scheme),
        scheme: wait.scheme,
        key: wait.key,
        field: wait.field,
        checkedAt,
        leftOut: leftOut(wait),
      })),
    };
  });
  return x.clock.time("protocol", () => recordWaiting(x.db, { ...x.attemptRef, schemeId: x.run.schemeId, records }));
}

/**
 * How often a batch that was not sent because its deadline passed while it waited (for a slot of
 * the connection's concurrent calls, or the rate limit) is tried again in the same attempt.
 */
const NOT_SENT_ROUNDS = 20;

/**
 * The BatchSave (or equivalent) call of a marked batch, sent no later than `sendBy` (the attempt's
 * lease). A call that waited past its deadline before going out (`not_sent`: other runs held the
 * connection's slots) is tried again with a new deadline while this attempt still owns the run; one
 * that certainly did not happen otherwise puts the batch back and throws; one whose outcome is
 * unknown becomes an `unknown` outcome for each of its records. Returns why the run stops instead
 * when it was cancelled or stopped while the batch waited (the batch is pending again).
 */
export async function sendBatch(x: RunScope, batch: MarkedBatch, sendBy: number): Promise<WriteOutcome[] | Exclude<PhaseEnd, "done">> {
  const { plan } = x;
  if (batch.toSend.length === 0) return [];
  for (let round = 1; ; round++) {
    try {
      return await x.clock.time("write", () =>
        x.target.write({
          api: plan.target.api.id,
          formId: plan.target.formId,
          records: batch.toSend.map((s) => s.payload),
          options: plan.target.options,
          mode: plan.target.mode,
          audit: plan.target.audit,
          sendBy,
          // The Submit and Audit after a save that went (audit "separate"): by the lease as renewed
          // since, never earlier than the save's own deadline (WriteRequest.followUpSendBy).
          followUpSendBy: () => (x.lease.lost ? 0 : Math.max(sendBy, x.lease.sendByNow)),
          ...(x.ctx.signal && { signal: x.ctx.signal }),
        }),
      );
    } catch (error) {
      if (isConnectorError(error) && error.kind === "not_sent" && round < NOT_SENT_ROUNDS) {
        // Nothing of the batch went out (the target throws only then), and its records are still
        // marked by this attempt: once the lease is renewed they may go with a new deadline.
        const again = await stillToSend(x);
        if (typeof again === "number") {
          sendBy = again;
          continue;
        }
        if (again === "superseded") throw new AttemptSuperseded();
        await releaseSending(x.db, { ...x.attemptRef, schemeId: x.run.schemeId, batchId: batch.batchId, numbers: sentNumbers(x, batch) });
        return again;
      }
      if (isConnectorError(error) && error.kind === "unknown_outcome") {
        return batch.toSend.map((_, index) => ({ ok: false, unknown: true, index, message: error.message, response: null }));
      }
      if (isConnectorError(error)) {
        // The target throws only when nothing of the batch reached it (TargetClient.write): a write
        // cut off mid-call is `unknown_outcome` above, whatever the cause (a timeout, a reset, a
        // cancel). So any other kind — a login answered 5xx, the upsert's lookup timing out, a
        // cancel before the call — puts the batch back (session 32's audit: before, only some kinds
        // did, and a run failing on 金蝶's login left up to C batches `sending`, parked as unknown
        // by the next run for a lease and the unknown-outcome wait though no BatchSave was made).
        await releaseSending(x.db, { ...x.attemptRef, schemeId: x.run.schemeId, batchId: batch.batchId, numbers: sentNumbers(x, batch) });
        throw error;
      }
      // Anything else (a bug): the records stay `sending`, and the attempt that resumes the run parks
      // them as unknown before it sends anything.
      throw error;
    }
  }
}

/** Step 2 of the write protocol: a batch's outcomes (written / failed / unknown), its counters and log line. */
export async function finishBatch(x: RunScope, batch: MarkedBatch, outcomes: WriteOutcome[]): Promise<void> {
  const { journal } = x;
  let failed = batch.failed;
  let written = 0;
  let unknown = 0;
  let saved = 0;
  const { waiting, firstWait } = batch;
  let firstError = batch.firstError;
  if (batch.toSend.length > 0) {
    const byIndex = new Map(outcomes.map((o) => [o.index, o]));
    // Object literals, not `{ ...base, … }`: a spread and the properties added after it made V8 build
    // and migrate hidden classes for every record (~2 µs of worker CPU per record: issue #16).
    const results: WriteResult[] = batch.toSend.map((s, i): WriteResult => {
      const o = byIndex.get(i);
      const id = s.record.id;
      const hash = s.hash;
      if (!o) {
        // The call was made and said nothing of this record: whether it was saved is unknown.
        return { id, hash, outcome: "unknown", error: "目标连接器没有返回这条记录的结果，结果待确认 / The target connector returned no outcome for this record" };
      }
      if (o.ok) return { id, hash, outcome: "written", targetId: o.targetId, targetNumber: o.targetNumber, response: o.response };
      if (o.saved) {
        // submitted: the bill's submission is this write's own Submit (only such a one is ever withdrawn).
        return { id, hash, outcome: "saved", targetId: o.targetId, targetNumber: o.targetNumber, error: o.message, errorField: o.field ?? null, submitted: o.submitted === true, response: o.response };
      }
      if (o.unknown) return { id, hash, outcome: "unknown", error: o.message, response: o.response };
      // With the number it was sent under: refused outright, the send under it wrote nothing.
      const number = payloadNumber(s.payload, x.plan.target.numberField);
      return { id, hash, outcome: "failed", error: o.message, errorField: o.field ?? null, errorClass: o.errorClass ?? "data", response: o.response, number };
    });
    firstError ??= results.find((r) => r.outcome === "failed")?.error ?? undefined;
    // The answers, their RunRecords and the run's counters: one statement.
    const recorded = await x.clock.time("protocol", () =>
      recordWriteResults(x.db, {
        ...x.attemptRef,
        batchId: batch.batchId,
        mode: x.plan.target.mode,
        results,
        unknownWaitMs: x.unknownWaitMs,
        retryBackoffMs: x.plan.retryBackoffMs,
      }),
    );
    if (!recorded.fenced) throw new AttemptSuperseded();
    written = recorded.written;
    failed += recorded.failed;
    unknown = recorded.unknown;
    saved = recorded.saved;
    x.observe(recorded.run);
    // To be looked up after the wait: the settling after the batches must look at staging again.
    if (unknown > 0 && x.outstanding) x.outstanding.settle = true;
    // Changed while it was sent (upsert mode): the sweep after the read writes the newer payload.
    if (recorded.requeued > 0 && x.outstanding) x.outstanding.pending = true;
  } else {
    // Nothing sent: the batch's failures were counted as they were recorded (recordMappingFailures);
    // the report still tells the run is alive and learns of a cancellation.
    await x.progress({});
  }
  const checkAt = unknown > 0 ? clockTime(new Date(Date.now() + x.unknownWaitMs), x.plan.timezone) : "";
  await journal[failed + unknown + saved > 0 ? "warn" : "progress"](
    message("write.batch", { batch: batch.batchNo, written, failed, unknown, saved, firstError: String(firstError), checkAt, ...(waiting > 0 && { waiting, firstWait: firstWait?.zh ?? "", firstWaitEn: firstWait?.en ?? "", firstWaitLeftOut: firstWait?.leftOut ?? false }) }),
    { batch: batch.batchNo, written, failed, unknown, saved, ...(waiting > 0 && { waiting }) },
  );
}

/**
 * Right before a marked batch's call: the time by which it must be sent, or why the run must stop
 * instead. The mark was fenced by the attempt and its lease (markSending), and a lease that still
 * runs past its half (as of the mark) bounds the call as a fresh reading would: a batch marked
 * while the call before it was in flight goes out with no statement of its own in between (a round
 * trip per batch, on the path from one call to the next, issue #16). Another attempt that claims the
 * run meanwhile parks the batch as unknown for a lease and the wait (parkSending), so its lookup comes
 * after this call's deadline, as it does for a call already in flight when it claims. A cancellation
 * requested after the mark is seen at the next batch (the mark is fenced by it too), and what the
 * process knows already (stopping, cancelled, the lease lost) stops the call here. Past the lease's
 * half, or without a mark (nothing to send), the fence is read again and the lease renewed (stillToSend).
 */
export async function batchSendBy(x: RunScope, batch: MarkedBatch): Promise<Exclude<PhaseEnd, "done"> | "superseded" | number> {
  const { fenced } = batch;
  if (fenced && x.lease.fresh(fenced.at, fenced.leaseMsLeft)) {
    const stop = x.interruption();
    if (stop) return stop;
    return x.lease.note(fenced.at, fenced.leaseMsLeft);
  }
  return stillToSend(x);
}

/**
 * Right before a call: the time by which it must be sent (the end of the attempt's lease, less a
 * margin; a lease past half its length is renewed first), or why the run must stop instead.
 */
export async function stillToSend(x: RunScope): Promise<Exclude<PhaseEnd, "done"> | "superseded" | number> {
  const stop = x.interruption();
  if (stop) return stop;
  const asked = Date.now();
  const now = await x.clock.time("protocol", () => runFence(x.db, x.run.id));
  if (now?.attempt !== x.run.attempt || now.status !== "running" || now.leaseMsLeft === 0) return "superseded";
  if (now.cancelRequested) return "cancelled";
  if (x.lease.fresh(asked, now.leaseMsLeft, asked)) return x.lease.note(asked, now.leaseMsLeft);
  const renewed = await x.clock.time("protocol", () => renewLease(x.db, x.run.id, x.run.attempt, x.lease.leaseMs));
  if (!renewed) return "superseded";
  return x.lease.note(asked, renewed.leaseMsLeft);
}


/** A marked batch's records with the target numbers they were marked under (releaseSending). */
export function sentNumbers(x: RunScope, batch: MarkedBatch): { id: bigint; number: string | undefined }[] {
  return numbersOf(x, batch.toSend);
}

function numbersOf(x: RunScope, sendables: readonly Sendable[]): { id: bigint; number: string | undefined }[] {
  return sendables.map((s) => ({ id: s.record.id, number: payloadNumber(s.payload, x.plan.target.numberField) }));
}
