// Test run (dry run): the first records (a page, or as many pages as the sample and `writeCount`
// need), mapped, stored in Run.result with the exact payloads; nothing is written unless
// `writeCount` asks for the first N records to be written for real.
import { message, resolveParams, TEST_RUN_LIMITS, testRunOptionsSchema, type LookupWait } from "@qiao/core";
import type { SourcePage, WriteRequest } from "@qiao/connectors";
import { assignPendingToRun, numberClaimKey, numbersHeldByOthers, resetReadCounters, saveRunResult, stagePage } from "@qiao/db";
import { AttemptSuperseded } from "./failure";
import type { MappingError } from "./hash";
import { stageable } from "./read-phase";
import { withinBudget } from "./record-budget";
import type { PhaseEnd, RunScope } from "./scope";
import { numberTakenMessages, payloadNumber } from "./target-number";
import { writePending } from "./write-phase";

export interface TestRunRecord {
  sourceId: string;
  /** The record exactly as the source returned it. */
  source: Record<string, unknown>;
  /** The mapped payload (what the mapping produced, before the connector's wire format). */
  payload: Record<string, unknown>;
  /** The record as the target would receive it (null: mapping errors, or no connector preview). */
  wire: unknown;
  errors: MappingError[];
  /**
   * Fields whose `lookup` found nothing yet: a run would keep the record waiting (等待依赖) for
   * that scheme to write that key. Absent when nothing waits. Looked-up values are in `payload`.
   */
  waits?: TestRunWait[];
  /** The scheme's filter node leaves it out: a run stages it as filtered (不符合条件) and never writes it. Absent when it passes. */
  filtered?: true;
}

/**
 * A field whose lookup found nothing, with `leftOut` when the scheme looked up stages the key only as
 * left out by its filter node: no run of it writes the key while that filter stands.
 */
export type TestRunWait = LookupWait & { leftOut?: true };

export interface TestRunResult {
  source: { api: string; params: Record<string, unknown>; pageSize: number; total: number; returned: number };
  target: { api: string; formId: string; mode: string; options: Record<string, unknown> };
  records: TestRunRecord[];
  /**
   * The request the target connector would send for the records without mapping errors, when the
   * connector can show it (`wire`: true); otherwise null and `note` says so.
   */
  request: unknown;
  wire: boolean;
  note?: { zh: string; en: string };
  /** How many of the first records were to be written for real (options.writeCount). */
  writeCount: number;
}

/**
 * The first `wanted` records: pages are read until there are enough or the source runs out (the
 * source's page size may be smaller than the sample, or a page may come back short), never more.
 * `between` is told each page's records (those kept) and says whether the run stops there (a cancel,
 * a lost lease, a stopping worker): then `stop` says how, and no further page is read.
 */
async function firstRecords(
  pages: AsyncIterable<SourcePage>,
  wanted: number,
  between: (page: SourcePage, kept: number) => Promise<Exclude<PhaseEnd, "done"> | null>,
): Promise<{ records: Record<string, unknown>[]; total: number; pages: number; stop: Exclude<PhaseEnd, "done"> | null }> {
  const records: Record<string, unknown>[] = [];
  let total = 0;
  let read = 0;
  let stop: Exclude<PhaseEnd, "done"> | null = null;
  for await (const page of pages) {
    read++;
    total = page.total;
    const kept = Math.min(page.records.length, wanted - records.length);
    records.push(...page.records);
    stop = await between(page, kept);
    if (stop || records.length >= wanted || page.records.length === 0) break;
  }
  return { records: records.slice(0, wanted), total, pages: read, stop };
}

export async function executeTestRun(x: RunScope): Promise<PhaseEnd> {
  const { plan, run, journal } = x;
  const options = testRunOptionsSchema.parse(run.options ?? {});
  const sampleSize = options.sampleSize ?? TEST_RUN_LIMITS.defaultSampleSize;
  const writeCount = options.writeCount ?? 0;
  const wanted = Math.max(sampleSize, writeCount);
  const pageSize = Math.max(1, Math.min(plan.source.pageSize, wanted));
  const params = resolveParams(plan.source, x.vars(pageSize));
  // A resumed attempt (handed back by a stopping worker) reads the sample again: its counters
  // start over, as a run's read does (read-phase.ts), so what it read counts once.
  if (!(await x.clock.time("journal", () => resetReadCounters(x.db, run.id, run.attempt)))) throw new AttemptSuperseded();
  await journal.info(message("test.reading", { pageSize }), { params });

  // Each page fetched once it fits in the process's record budget, as a run's pages are. Once read,
  // the pages are given back (the sample kept is a test run's few records): the write that may
  // follow reads its batch back within the budget, and must not wait for room this run holds.
  // After each page the run's counters learn what it read, and the run learns whether it was
  // cancelled meanwhile (or its worker is stopping): it stops between pages, as a run's read does,
  // and then neither saves a result nor stages anything.
  const page = await firstRecords(
    withinBudget(x.held, x.source.readPages({ api: plan.source.api.id, params, pageSize, startPage: 1, ...(x.ctx.signal && { signal: x.ctx.signal }) }), pageSize),
    wanted,
    async (p, kept) => {
      await x.progress({ phase: "reading", total: p.total, fetched: kept });
      return x.interruption();
    },
  );
  x.held.release(page.pages * pageSize);
  if (page.stop) return page.stop;
  const fetched = page.records;
  const vars = x.vars();
  const sampled = fetched.slice(0, sampleSize);
  await x.warm(sampled, vars);
  const idField = plan.source.idField;
  const records: TestRunRecord[] = sampled.map((source) => {
    const { payload, errors, waits, excluded } = x.map(source, vars);
    const id = source[idField];
    // A run ignores a record without its id (read-phase.ts, stageable): it is never staged or sent.
    const withoutId = id === undefined || id === null || id === "";
    return {
      sourceId: withoutId ? "" : String(id),
      source,
      payload,
      wire: null,
      errors: withoutId ? [withoutIdError(idField), ...errors] : errors,
      ...(waits.length > 0 && { waits: waits.map((w): TestRunWait => (x.lookups?.leftOut(w) ? { ...w, leftOut: true } : w)) }),
      ...(excluded && { filtered: true as const }),
    };
  });
  await refuseTakenNumbers(x, records.filter(isClean));
  const cleanRecords = records.filter(isClean);
  const clean = cleanRecords.map((r) => r.payload);
  const target = x.target;
  const request: WriteRequest = {
    api: plan.target.api.id,
    formId: plan.target.formId,
    records: clean,
    options: plan.target.options,
    mode: plan.target.mode,
  };
  const preview = target.preview?.(request);
  const wire = preview !== undefined;
  if (preview) cleanRecords.forEach((r, i) => (r.wire = preview.records[i] ?? null));
  const result: TestRunResult = {
    source: { api: plan.source.api.id, params, pageSize, total: page.total, returned: fetched.length },
    target: { api: plan.target.api.id, formId: plan.target.formId, mode: plan.target.mode, options: plan.target.options },
    records,
    request: preview?.request ?? null,
    wire,
    ...(!wire && {
      note: {
        zh: "目标连接器没有提供请求预览：这里显示的是字段映射的结果，连接器发送时可能再做转换（例如金蝶的基础资料字段包装为 {\"FNumber\": …}）",
        en: "The target connector offers no request preview: shown are the mapped payloads; the connector may still transform them on the wire (e.g. Kingdee wraps base-data fields as {\"FNumber\": …})",
      },
    }),
    writeCount,
  };
  // Asked again once the sample is mapped (its lookups may have taken a while): a worker told to
  // stop meanwhile hands the run back before its result is saved or anything is staged.
  const stop = x.interruption();
  if (stop) return stop;
  await saveRunResult(x.db, run.id, result);
  const filtered = records.filter((r) => r.filtered).length;
  const withErrors = records.length - clean.length - filtered;
  await journal[withErrors > 0 ? "warn" : "info"](
    message("test.sampled", { total: page.total, sampled: records.length, withErrors, filtered }),
    { total: page.total, sampled: records.length, withErrors, ...(filtered > 0 && { filtered }) },
  );
  if (writeCount === 0) return "done";

  const sample = await stageable(x, fetched.slice(0, writeCount));
  const { staged } = sample;
  const stagedResult = await stagePage(x.db, {
    schemeId: run.schemeId,
    runId: run.id,
    attempt: run.attempt,
    mode: plan.target.mode,
    records: staged,
    payloadHash: (i) => sample.mapped(i).hash,
    mappingKey: x.mappingKey,
  });
  if (!stagedResult.owner) throw new AttemptSuperseded();
  await x.progress({ skipped: stagedResult.unchanged + stagedResult.stale + stagedResult.failedUnchanged, filtered: stagedResult.filtered });
  await assignPendingToRun(x.db, { schemeId: run.schemeId, runId: run.id, attempt: run.attempt, sourceIds: staged.map((s) => s.sourceId) });
  await journal.info(message("test.writing", { toWrite: stagedResult.toWrite, writeCount }));
  return writePending(x, true);
}

const isClean = (r: TestRunRecord) => r.errors.length === 0 && !r.waits && !r.filtered;

function withoutIdError(idField: string): MappingError {
  return {
    field: idField,
    message: `源记录没有 ${idField}（方案的源记录 ID 字段）：运行时会忽略这条记录，不会写入`,
    messageEn: `The record has no ${idField} (the scheme's record id field): a run ignores it and writes nothing for it`,
  };
}

/**
 * What a run's mark would refuse (batch-steps.ts, refuseTakenNumbers), without claiming anything: a
 * record whose target number an earlier record of the sample carries (the first of them claims it),
 * or another source record of the scheme holds so that a run would not hand it over
 * (numbersHeldByOthers). The record gets the run's error, naming the holder.
 */
async function refuseTakenNumbers(x: RunScope, clean: TestRunRecord[]): Promise<void> {
  const field = x.plan.target.numberField;
  const firsts: { record: TestRunRecord; number: string; key: string }[] = [];
  const claimedBy = new Map<string, string>();
  const refuse = (record: TestRunRecord, number: string, holder: string) => {
    const { zh, en } = numberTakenMessages(field, number, holder);
    record.errors = [...record.errors, { field, message: zh, messageEn: en }];
  };
  for (const record of clean) {
    const number = payloadNumber(record.payload, field);
    const key = number === undefined ? "" : numberClaimKey(number);
    if (number === undefined || key === "") continue;
    const holder = claimedBy.get(key);
    // The same record twice in the sample (a source paging while it changes) keeps its own number.
    if (holder !== undefined && holder !== record.sourceId) refuse(record, number, holder);
    else if (holder === undefined) {
      claimedBy.set(key, record.sourceId);
      firsts.push({ record, number, key });
    }
  }
  const held = await numbersHeldByOthers(x.db, { schemeId: x.run.schemeId, records: firsts.map((f) => ({ sourceId: f.record.sourceId, key: f.key })) });
  for (const f of firsts) {
    const holder = held.get(f.record.sourceId);
    if (holder !== undefined) refuse(f.record, f.number, holder);
  }
}
