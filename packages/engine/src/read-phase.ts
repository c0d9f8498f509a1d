// Read → stage → write: pages stream from the source connector into staging, one bulk upsert per
// page, and the records that staging says must be written go to the target straight away, with
// the payloads mapped for staging (each record is mapped once). The dataset is never held whole:
// at most a page and a batch or two are in memory. The scheme's cursor moves only once the read
// completed.
import { message, resolveParams, type LookupWait } from "@qiao/core";
import { completeRead, FILTERED_PAYLOAD_HASH, resetReadCounters, settleFilteredOutcomes, stagePage, type StagedRecord, type StagePageResult } from "@qiao/db";
import { AttemptSuperseded } from "./failure";
import { hashedPayload, type MappingError } from "./hash";
import { PageLog } from "./page-log";
import { READ_PASSES, ReadMemory, ReadPass } from "./read-pass";
import type { PhaseEnd, RunScope } from "./scope";
import { settleOutcomes } from "./outcomes";
import { emptyBatch, prepare, type PreparedBatch } from "./prepared-batch";
import { withinBudget } from "./record-budget";
import { writeBatches } from "./write-phase";

/** A record's mapped payload, its mapping errors, what it waits for, and the payload's hash (and JSON text: see hashedPayload). */
export interface Mapped {
  payload: Record<string, unknown>;
  errors: readonly MappingError[];
  waits: readonly LookupWait[];
  hash: string;
  text: string | undefined;
  /** Left out by the scheme's filter node: staged `filtered` (FILTERED_PAYLOAD_HASH), never sent. */
  excluded?: boolean;
}

/** A page's records keyed by source id (the last copy wins within a page), mapped on demand. */
export interface StageablePage {
  staged: StagedRecord[];
  withoutId: number;
  /** Record i's mapping (mapped once, when first asked: staging does not ask for unchanged records). */
  mapped(index: number): Mapped;
  /** The mapping of the staged record with this source id. */
  mappedById(sourceId: string): Mapped;
}

/** The page's records, its lookups fetched first (see RunScope.warm), ready to be staged. */
export async function stageable(x: RunScope, records: Record<string, unknown>[]): Promise<StageablePage> {
  const { plan } = x;
  const byId = new Map<string, StagedRecord>();
  let withoutId = 0;
  for (const record of records) {
    const id = record[plan.source.idField];
    if (id === undefined || id === null || id === "") {
      withoutId++;
      continue;
    }
    byId.set(String(id), { sourceId: String(id), data: record });
  }
  const staged = [...byId.values()];
  const index = new Map(staged.map((r, i) => [r.sourceId, i]));
  const cache: (Mapped | undefined)[] = [];
  const vars = x.vars();
  await x.warm(staged.map((r) => r.data), vars);
  const mapped = (i: number): Mapped =>
    (cache[i] ??= x.clock.timeSync("map", () => {
      const { payload, errors, waits, excluded } = x.map(staged[i]!.data, vars);
      if (excluded) return { payload, errors, waits, hash: FILTERED_PAYLOAD_HASH, text: undefined, excluded };
      const { hash, text } = hashedPayload(payload, errors);
      return { payload, errors, waits, hash, text };
    }));
  return { staged, withoutId, mapped, mappedById: (sourceId) => mapped(index.get(sourceId)!) };
}

/** How often the read adds to the run's counters (fetched, skipped), at most. */
const COUNTERS_MS = 250;

/**
 * LAST_SYNC_TIME is the cursor minus this overlap: whether the source's window bounds are
 * inclusive is not published, clocks drift, and a record can commit after the time it carries
 * (shared/protocols/guanyi.md). Records read twice are unchanged in staging and skipped.
 */
export const READ_WINDOW_OVERLAP_MS = 60_000;

/**
 * The longest schedule interval whose cursor a read still moving after READ_PASSES holds back (see
 * stagePages): an hourly scheme's is, a daily one's is not. Its windows are longer than the interval
 * (see CURSOR_HOLD_WINDOW_MS).
 */
export const CURSOR_HOLD_MAX_MS = 60 * 60_000;

/** How much later than its schedule a run may be claimed (its job waited for a worker) and still count as on time. */
export const CURSOR_HOLD_LATE_MS = 5 * 60_000;

/**
 * The longest read window whose cursor is held: a run of a scheme scheduled every CURSOR_HOLD_MAX_MS
 * reads from the last cursor less READ_WINDOW_OVERLAP_MS to its claim, which may be a little late.
 * Measured against CURSOR_HOLD_MAX_MS alone, an hourly scheme's window (61 min and more) never held.
 * A window held once is about twice as long the next time, over this, so holds do not pile up.
 */
export const CURSOR_HOLD_WINDOW_MS = CURSOR_HOLD_MAX_MS + READ_WINDOW_OVERLAP_MS + CURSOR_HOLD_LATE_MS;

/**
 * Runs `source` ahead of its consumer, keeping up to `size` items ready: the read and staging of
 * the next pages go on while the writer marks and sends, instead of waiting to be asked. An error
 * of the source reaches the consumer after the items before it; when the consumer stops early, the
 * item in progress finishes and the source is closed. `stop`, when given, is aborted as the
 * consumer stops, before waiting for the item in progress: a source that waits on it (withinBudget's
 * wait for room) ends instead of making that item.
 */
export async function* bufferAhead<T>(source: AsyncIterable<T>, size: number, stop?: AbortController): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const queue: T[] = [];
  let finished = false;
  let stopped = false;
  let failure: { error: unknown } | undefined;
  let itemReady: (() => void) | undefined;
  let roomFreed: (() => void) | undefined;
  const wake = (which: "item" | "room") => {
    const resolve = which === "item" ? itemReady : roomFreed;
    if (which === "item") itemReady = undefined;
    else roomFreed = undefined;
    resolve?.();
  };
  const pump = (async () => {
    try {
      while (!stopped) {
        if (queue.length >= size) {
          await new Promise<void>((resolve) => (roomFreed = resolve));
          continue;
        }
        const next = await it.next();
        if (next.done) break;
        queue.push(next.value);
        wake("item");
      }
    } catch (error) {
      failure = { error };
    } finally {
      finished = true;
      wake("item");
    }
  })();
  try {
    for (;;) {
      if (queue.length > 0) {
        const item = queue.shift()!;
        wake("room");
        yield item;
      } else if (finished) {
        if (failure) throw failure.error;
        return;
      } else {
        await new Promise<void>((resolve) => (itemReady = resolve));
      }
    }
  } finally {
    stopped = true;
    stop?.abort();
    wake("room");
    await pump;
    await it.return?.(undefined);
  }
}

/**
 * Reads the source into staging and writes what must be written as it goes. Records left `sending`
 * by another attempt, and unknown outcomes that are due, are settled first. Returns how the read ended; the records still
 * pending after it (left from earlier runs) are written by the caller's write phase.
 */
export async function readSource(x: RunScope): Promise<PhaseEnd> {
  await settleOutcomes(x);
  let readEnd: PhaseEnd = "done";
  const writeEnd = await writeBatches(
    x,
    // Batches ahead (two, or as many as calls may be in flight): staging keeps going while
    // batches are marked, sent and recorded, and a slot freed finds its batch ready.
    bufferAhead(
      stagePages(x, (end) => {
        readEnd = end;
      }),
      Math.max(2, x.target.concurrency),
    ),
  );
  return writeEnd !== "done" ? writeEnd : readEnd;
}

/** The read: stages page after page and yields batches of the records staging says to write. */
async function* stagePages(x: RunScope, ended: (end: PhaseEnd) => void): AsyncGenerator<PreparedBatch> {
  const { plan, run, journal } = x;
  const batchSize = plan.target.batchSize;
  // A resumed attempt reads again from the first page: staging makes that idempotent.
  if (!(await x.clock.time("journal", () => resetReadCounters(x.db, run.id, run.attempt)))) throw new AttemptSuperseded();
  const params = resolveParams(plan.source, x.vars());
  await journal.info(message("read.started", { apiName: plan.source.api.name, apiId: plan.source.api.id }), { params });

  // The read's log line: the last pass's pages; the records read and to write (or written by this
  // run already), each counted once however often it was read (./read-pass.ts, ReadMemory).
  let pages = 0;
  let fetched = 0;
  let toWrite = 0;
  let batch: PreparedBatch = emptyBatch();
  const size = () => batch.failures.length + batch.sendable.length + batch.waiting.length;
  /**
   * The batch being filled, handed on: from now on its records count in the process's record budget
   * (they are in memory already, so without waiting). While it fills it is not counted: a run that
   * waits for room for its next page then holds only what is on its way out.
   */
  const handOn = (): PreparedBatch => {
    const full = batch;
    full.held = size();
    x.held.take(full.held);
    batch = emptyBatch();
    return full;
  };
  const pageSize = plan.source.pageSize;
  // The read's counters reach the run with a page's staging statement, every COUNTERS_MS at most:
  // a statement per page that writes the run's row cost more than the probe of an unchanged page.
  const counts = { fetched: 0, skipped: 0, filtered: 0 };
  let countedAt = Number.NEGATIVE_INFINITY;
  const flushCounts = async () => {
    if (counts.fetched === 0 && counts.skipped === 0 && counts.filtered === 0) return;
    await x.progress({ fetched: counts.fetched, skipped: counts.skipped, filtered: counts.filtered });
    counts.fetched = 0;
    counts.skipped = 0;
    counts.filtered = 0;
  };
  // Staging probes a page's hashes before sending its data while pages come back mostly unchanged
  // (a rerun), and sends everything at once while they are mostly new (a first run).
  let probe = true;
  // After a page whose records were all new, the next likely is too (a first run): staging tries it
  // as a plain INSERT, without ON CONFLICT's speculative insertion (stagePage's `fresh`).
  let fresh = false;
  // Whether the last pass saw the source hold still (./read-pass.ts, READ_PASSES).
  let steady = false;
  // The source ids this attempt read, so that a record read again counts once in 读取 and 跳过.
  const memory = new ReadMemory();
  for (let pass = 1; ; pass++) {
    pages = 0;
    if (pass > 1 && !memory.whole) {
      // Too many records to remember which were read already: the run's counters start over with
      // the pass, as they do with an attempt (the last pass's records, each once).
      counts.fetched = 0;
      counts.skipped = 0;
      counts.filtered = 0;
      if (!(await x.clock.time("journal", () => resetReadCounters(x.db, run.id, run.attempt)))) throw new AttemptSuperseded();
      fetched = 0;
      toWrite = 0;
    }
    // Each page is fetched once it fits in the process's record budget, and counts until it is staged
    // and split into batches. Aborted when the read stops early (bufferAhead below): the page being
    // read ahead is then neither waited for (room in the budget) nor fetched.
    const readAhead = new AbortController();
    const source = withinBudget(
      x.held,
      x.source.readPages({
        api: plan.source.api.id,
        params,
        pageSize,
        startPage: 1,
        // A window from the cursor is read so that no record can slip past a page (SourcePage.part).
        incremental: plan.source.fromCursor,
        ...(x.ctx.signal && { signal: x.ctx.signal }),
      }),
      pageSize,
      readAhead.signal,
    );
    // Whether the source held still during this pass (./read-pass.ts).
    const check = new ReadPass(memory, pass);
    const pageLog = new PageLog(journal);
    // The next page is fetched while this one is staged (a run that stops early drops it: reads are idempotent).
    // A stretch of unchanged pages is logged however the read ends (completed, stopped, failed).
    try {
      for await (const page of x.clock.pages("read", bufferAhead(source, 1, readAhead))) {
        try {
          pages++;
          const mappedPage = await stageable(x, page.records);
          const { staged, withoutId } = mappedPage;
          // Records read before by this attempt count once; so do records without an id (which
          // cannot be told apart: those of the first pass).
          const again = check.page(page.part?.total ?? page.total, page.records.length, staged.map((r) => r.sourceId), page.part?.index);
          const read = staged.length - again.length + (pass === 1 || !memory.whole ? withoutId : 0);
          fetched += read;
          counts.fetched += read;
          // The counters so far go with this page's staging statement when they are due; the run it
          // returns tells whether a cancellation was requested meanwhile.
          const due = performance.now() - countedAt >= COUNTERS_MS;
          const progress = due ? { total: page.total, fetched: counts.fetched, skipped: counts.skipped, filtered: counts.filtered } : undefined;
          let result: StagePageResult;
          if (staged.length > 0) {
            result = await x.clock.time("stage", () =>
              stagePage(x.db, {
                schemeId: run.schemeId,
                runId: run.id,
                attempt: run.attempt,
                mode: plan.target.mode,
                records: staged,
                payloadHash: (i) => mappedPage.mapped(i).hash,
                mappingKey: x.mappingKey,
                probe,
                fresh,
                ...(progress && { progress }),
                ...(again.length > 0 && { again }),
              }),
            );
            probe = result.changed * 2 < staged.length;
            fresh = result.inserted === staged.length;
            // Taken over while it read: nothing of the page was staged; stop before anything else.
            if (!result.owner) throw new AttemptSuperseded();
            if (result.run) x.observe(result.run);
          } else {
            result = { toWrite: 0, unchanged: 0, done: 0, stale: 0, failedUnchanged: 0, filtered: 0, inserted: 0, changed: 0, owner: true, pending: [] };
            if (progress) await x.progress({ phase: "reading", ...progress });
          }
          if (progress) {
            counts.fetched = 0;
            counts.skipped = 0;
            counts.filtered = 0;
            countedAt = performance.now();
          } else {
            counts.skipped += result.unchanged + result.stale + result.failedUnchanged;
            counts.filtered += result.filtered;
          }
          // A record this run failed or left waiting before (an earlier pass or attempt) that the
          // filter now leaves out: off those counters (on the first pass of the first attempt, none can be).
          if ((run.attempt > 1 || pass > 1) && result.filtered > 0) {
            const excluded = staged.flatMap((r, i) => (mappedPage.mapped(i).excluded ? [r.sourceId] : []));
            await x.clock.time("stage", () => settleFilteredOutcomes(x.db, { runId: run.id, attempt: run.attempt, schemeId: run.schemeId, sourceIds: excluded }));
          }
          toWrite += result.toWrite + result.done;
          const pageCount = page.total > 0 ? Math.ceil(page.total / pageSize) : 1;
          await pageLog.page({ page: page.pageNo, pages: pageCount, total: page.total, read: page.records.length, withoutId, again: again.length, idField: plan.source.idField, result });
          for (const record of result.pending) {
            prepare(batch, record, mappedPage.mappedById(record.sourceId));
            if (size() >= batchSize) yield handOn();
          }
          const stop = x.interruption();
          if (stop) {
            await flushCounts();
            ended(stop);
            return;
          }
        } finally {
          x.held.release(pageSize);
        }
      }
    } finally {
      await pageLog.flush();
    }
    // The source did not hold still (./read-pass.ts): the window is read again. Staging makes that
    // cheap (unchanged records are a probe each) and sends nothing twice.
    const verdict = check.verdict();
    steady = verdict.kind === "whole";
    if (verdict.kind === "whole" || pass >= READ_PASSES) break;
    const next = pass + 1;
    const why =
      verdict.kind === "moved"
        ? message("read.drifted", { from: verdict.from, to: verdict.to, pass: next })
        : verdict.kind === "short"
          ? message("read.short", { read: verdict.read, total: verdict.total, pass: next })
          : message("read.repeated", { sourceId: verdict.sourceId, pass: next });
    await journal.warn(why, { pass: next, verdict });
  }
  await flushCounts();
  const windowEnd = run.windowEnd ?? run.createdAt;
  // Still moving after READ_PASSES passes: what was read is written, and the cursor stays where it
  // was, so the next run reads this window again rather than miss a record it skipped. Not for a
  // window without a start (a first or full read) or one longer than CURSOR_HOLD_WINDOW_MS (an
  // hourly schedule's, with its overlap and some lateness): on a source that changes during every
  // read, each held cursor would make the next window, and its read, longer still.
  const hold = !steady && run.windowStart !== null && windowEnd.getTime() - run.windowStart.getTime() <= CURSOR_HOLD_WINDOW_MS;
  // Fenced: an attempt taken over must not move the cursor past pages it did not stage.
  if (!(await x.clock.time("stage", () => completeRead(x.db, run.id, run.attempt, run.schemeId, hold ? null : windowEnd)))) throw new AttemptSuperseded();
  if (steady) {
    await journal.info(message("read.completed", { pages, fetched, toWrite }), { pages, fetched, toWrite, cursor: run.windowEnd });
  } else {
    const code = hold ? "read.completedUnsteady" : "read.completedUnsteadyMoved";
    await journal.warn(message(code, { pages, fetched, toWrite, passes: READ_PASSES }), { pages, fetched, toWrite, passes: READ_PASSES, ...(!hold && { cursor: windowEnd }) });
  }
  if (size() > 0) yield handOn();
}
