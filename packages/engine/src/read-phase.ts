// Read → stage: pages stream from the source connector into staging, one bulk upsert per page;
// the dataset is never held whole. The scheme's cursor moves only once the read completed.
import { mapRecord, resolveParams } from "@qiao/core";
import { completeRead, resetReadCounters, stagePage, type StagedRecord } from "@qiao/db";
import { payloadHash } from "./hash";
import { later } from "./promises";
import type { PhaseEnd, RunScope } from "./scope";

/** Maps a page's records and keys them by source id (the last copy wins within a page). */
export function stageable(x: RunScope, records: Record<string, unknown>[]): { staged: StagedRecord[]; withoutId: number } {
  const { plan } = x;
  const vars = x.vars();
  const byId = new Map<string, StagedRecord>();
  let withoutId = 0;
  for (const record of records) {
    const id = record[plan.source.idField];
    if (id === undefined || id === null || id === "") {
      withoutId++;
      continue;
    }
    const { payload, errors } = mapRecord(plan.target, record, vars, plan.timezone);
    byId.set(String(id), { sourceId: String(id), data: record, payloadHash: payloadHash(payload, errors) });
  }
  return { staged: [...byId.values()], withoutId };
}

/**
 * Yields the pages of `pages` while the next one is already being fetched, so the source call
 * overlaps staging the page before it. A run that stops early drops the page in flight (reads are
 * idempotent).
 */
export async function* readAhead<T>(pages: AsyncIterable<T>): AsyncGenerator<T> {
  const it = pages[Symbol.asyncIterator]();
  const fetch = () => {
    const next = it.next();
    // Handled where it is awaited; this keeps a failure during an early stop from being "unhandled".
    next.catch(() => undefined);
    return next;
  };
  let next = fetch();
  try {
    for (;;) {
      const page = await next;
      if (page.done) return;
      next = fetch();
      yield page.value;
    }
  } finally {
    await it.return?.();
  }
}

export async function readSource(x: RunScope): Promise<PhaseEnd> {
  const { plan, run, journal } = x;
  // A resumed attempt reads again from the first page: staging makes that idempotent.
  await x.clock.time("journal", () => resetReadCounters(x.db, run.id));
  const params = resolveParams(plan.source, x.vars(), plan.timezone);
  await journal.info(`开始读取 ${plan.source.api.name}（${plan.source.api.id}）`, `Reading ${plan.source.api.id}`, { params });

  let pages = 0;
  let fetched = 0;
  let toWrite = 0;
  const source = x.source.readPages({
    api: plan.source.api.id,
    params,
    pageSize: plan.source.pageSize,
    startPage: 1,
    ...(x.ctx.signal && { signal: x.ctx.signal }),
  });
  // A page's counters are reported while the next page is staged (in order, one report at a time):
  // the cancellation flag they bring back is at most one page old.
  let reporting: Promise<void> = Promise.resolve();
  try {
    for await (const page of x.clock.pages("read", readAhead(source))) {
      pages++;
      fetched += page.records.length;
      const { staged, withoutId } = x.clock.timeSync("map", () => stageable(x, page.records));
      const result = staged.length > 0
        ? await x.clock.time("stage", () => stagePage(x.db, { schemeId: run.schemeId, runId: run.id, mode: plan.target.mode, records: staged }))
        : { toWrite: 0, unchanged: 0, stale: 0, failedUnchanged: 0, inserted: 0 };
      toWrite += result.toWrite;
      const skipped = result.unchanged + result.stale + result.failedUnchanged;
      await reporting;
      reporting = later(x.progress({ phase: "reading", total: page.total, fetched: page.records.length, skipped }));
      const pageCount = page.total > 0 ? Math.ceil(page.total / plan.source.pageSize) : 1;
      await journal.info(
        `第 ${page.pageNo}/${pageCount} 页：读取 ${page.records.length} 条，新增或变更 ${result.toWrite} 条，未变 ${result.unchanged} 条` +
          (result.stale > 0 ? `，${result.stale} 条已变更但“新增”模式不更新` : "") +
          (result.failedUnchanged > 0 ? `，${result.failedUnchanged} 条此前失败且未变（可重试）` : "") +
          (withoutId > 0 ? `，${withoutId} 条缺少 ${plan.source.idField} 已忽略` : ""),
        `Page ${page.pageNo}/${pageCount}: ${page.records.length} read, ${result.toWrite} new or changed, ${result.unchanged} unchanged` +
          (result.stale > 0 ? `, ${result.stale} changed, not updated in create mode` : "") +
          (result.failedUnchanged > 0 ? `, ${result.failedUnchanged} still failed from earlier (retry them)` : "") +
          (withoutId > 0 ? `, ${withoutId} without ${plan.source.idField} ignored` : ""),
        { page: page.pageNo, total: page.total, ...result, withoutId },
      );
      const stop = x.interruption();
      if (stop) {
        await reporting;
        return stop;
      }
    }
    await reporting;
  } catch (error) {
    await Promise.allSettled([reporting]);
    throw error;
  }

  await x.clock.time("stage", () => completeRead(x.db, run.id, run.schemeId, run.windowEnd ?? run.createdAt));
  await journal.info(
    `读取完成：${pages} 页，共 ${fetched} 条，待写入 ${toWrite} 条；同步游标已推进到本次窗口结束`,
    `Read complete: ${pages} pages, ${fetched} records, ${toWrite} to write; the scheme's cursor moved to the window's end`,
    { pages, fetched, toWrite, cursor: run.windowEnd },
  );
  return "done";
}
