// The 管易云 source: list methods read page by page until `total`, each page checked to be a
// list of records with their id, and the connection test (one page of shops).
//
// What 管易云 does not publish about paging: the order of a list, whether `total` is counted per
// request, and how deep pages may go. So pages are by page number (the only paging it has), each
// page's `total` is handed on as it came, and an empty page ends the read. A record inserted,
// modified out of the window or deleted during a read moves the records after it: one may come
// back on the next page (staging and the batches keep one copy) or be skipped. The engine reads the
// window again when `total` changed between pages or the pages held fewer records than it
// (@qiao/engine read-pass.ts, READ_PASSES; docs/decisions.md). A skip that changes neither (one
// record leaving, another entering) is invisible: an incremental read, whose cursor would move
// past it, is read in parts of one page each instead (./window-slices.ts).
import { z } from "zod";
import { ConnectorError } from "../errors";
import { scrub } from "../scrub";
import type { ConnectionConfig, ReadRequest, SourceApiMeta, SourceClient, SourcePage } from "../types";
import { GuanyiClient, type Envelope } from "./client";
import { findSourceApi, GUANYI_PLATFORM, PAIRED_WINDOW_APIS } from "./meta";
import { formatBeijing, parseBeijing, slicedPages, type Slice } from "./window-slices";

/**
 * Where a paired modification window starts when its start was left out (a first sync, with
 * LAST_SYNC_TIME still empty): earlier than any Guanyi record. Guanyi documents the pair as
 * "必须搭配使用" without saying what a lone bound does (guanyi-documents.md § Unknown / our
 * choice), so the source never sends one alone.
 */
export const PAIRED_WINDOW_FLOOR = "2000-01-01 00:00:00";

/**
 * The most pages one read asks for: a guard against paging without end (a `total` that keeps
 * growing faster than the read). 5,000,000 records at 管易云's 100 a page, at 1 a page 100,000.
 */
export const MAX_PAGES = 100_000;

function pageOf(envelope: Envelope, api: SourceApiMeta, pageNo: number, scrubValues: string[]): SourcePage {
  const list = envelope[api.listKey];
  const records = hasIds(list ?? [], api.idField) ? undefined : recordsSchema(api.idField).safeParse(list ?? []);
  if (records && !records.success) {
    throw new ConnectorError("protocol", GUANYI_PLATFORM, `管易云 ${api.id} 的 ${api.listKey} 不是记录列表，或记录缺少 ${api.idField}：请联系管理员检查接口版本`, {
      cause: new Error(scrub(records.error.message, scrubValues)),
    });
  }
  if (envelope.total == null) {
    throw new ConnectorError("protocol", GUANYI_PLATFORM, `管易云 ${api.id} 的响应缺少 total，无法分页：请联系管理员检查接口版本`);
  }
  // The validated copy reorders keys; the engine gets each record exactly as Guanyi sent it.
  return { pageNo, total: envelope.total, records: (list ?? []) as Record<string, unknown>[] };
}

/**
 * What recordsSchema accepts (a list of objects, each with its id: a finite number or a non-empty
 * string), checked without its validated copy of every record (issue #16); the schema then only
 * runs to say what is wrong.
 */
function hasIds(list: unknown, idField: string): boolean {
  if (!Array.isArray(list)) return false;
  for (const record of list) {
    if (typeof record !== "object" || record === null || Array.isArray(record)) return false;
    const id: unknown = (record as Record<string, unknown>)[idField];
    if (typeof id === "number" ? !Number.isFinite(id) : typeof id !== "string" || id.length === 0) return false;
  }
  return true;
}

const recordSchemas = new Map<string, z.ZodType>();

function recordsSchema(idField: string): z.ZodType {
  let schema = recordSchemas.get(idField);
  if (!schema) {
    schema = z.array(z.looseObject({ [idField]: z.union([z.number(), z.string().min(1)]) }));
    recordSchemas.set(idField, schema);
  }
  return schema;
}

const given = (v: unknown) => v !== undefined && v !== null && v !== "";

/** `yyyy-MM-dd HH:mm:ss` in Beijing time (UTC+8, no daylight saving), as Guanyi's datetimes are. */
function beijingNow(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 19).replace("T", " ");
}

/** The params with a lone bound of a paired window completed: from the floor, or until now. */
function withPairedWindow(api: SourceApiMeta, params: Record<string, unknown>): Record<string, unknown> {
  if (!api.window || !PAIRED_WINDOW_APIS.has(api.id)) return params;
  const { start, end } = api.window;
  if (given(params[start]) === given(params[end])) return params;
  return given(params[start]) ? { ...params, [end]: beijingNow() } : { ...params, [start]: PAIRED_WINDOW_FLOOR };
}

/**
 * The window an incremental read is cut into parts over (./window-slices.ts): its start (the
 * floor when left out: a first run) to its end, in epoch seconds; undefined when the API has no
 * modification window, the end is not given, or a bound is not a datetime (the read is paged).
 */
function sliceableWindow(api: SourceApiMeta, params: Record<string, unknown>): Slice | undefined {
  if (!api.window || !given(params[api.window.end])) return undefined;
  const from = parseBeijing(given(params[api.window.start]) ? params[api.window.start] : PAIRED_WINDOW_FLOOR);
  const to = parseBeijing(params[api.window.end]);
  return from !== undefined && to !== undefined && from <= to ? { from, to } : undefined;
}

function sourceApi(id: string): SourceApiMeta {
  const api = findSourceApi(id);
  if (!api) throw new ConnectorError("request", GUANYI_PLATFORM, `管易云连接器没有查询接口 ${id}：请在方案中重新选择接口`);
  return api;
}

function pageSizeOf(req: ReadRequest, api: SourceApiMeta): number {
  const size = Number(req.pageSize);
  if (!Number.isInteger(size) || size < 1) {
    throw new ConnectorError("request", GUANYI_PLATFORM, `管易云每页条数必须是正整数（收到 ${String(req.pageSize)}）：请检查 ${api.paging.pageSize}`);
  }
  return Math.min(size, api.paging.maxPageSize);
}

export function createGuanyiSource(config: ConnectionConfig): SourceClient {
  const client = new GuanyiClient(config);
  return {
    async *readPages(req: ReadRequest): AsyncGenerator<SourcePage> {
      const api = sourceApi(req.api);
      const pageSize = pageSizeOf(req, api);
      if (pageSize < Number(req.pageSize)) {
        client.logger?.warn(`管易云每页最多 ${api.paging.maxPageSize} 条，已按最大值分页`, { method: api.id, requested: req.pageSize, pageSize });
      }
      const filter = withPairedWindow(api, req.params);
      if (filter !== req.params) client.logger?.debug("管易云修改时间须成对使用，已补齐缺少的一端", { method: api.id, window: api.window });
      const first = Number.isInteger(req.startPage) && req.startPage > 0 ? req.startPage : 1;
      const fetchPage = async (pageNo: number, slice?: Slice) => {
        const window = slice && api.window && { [api.window.start]: formatBeijing(slice.from), [api.window.end]: formatBeijing(slice.to) };
        const params = { ...filter, ...window, [api.paging.pageNo]: pageNo, [api.paging.pageSize]: pageSize };
        const page = pageOf(await client.call(api.id, params, req.signal), api, pageNo, client.scrubValues);
        client.logger?.debug("管易云已读取一页", { method: api.id, pageNo, records: page.records.length, total: page.total, ...window });
        return page;
      };
      // An incremental read whose first page does not hold its whole window: read in parts of one
      // page each, which paging cannot skip a record of (./window-slices.ts).
      const window = req.incremental && first === 1 ? sliceableWindow(api, filter) : undefined;
      if (window) {
        const whole = await fetchPage(1);
        if (whole.records.length >= whole.total || whole.records.length === 0) {
          yield whole;
          return;
        }
        const tooMany = () =>
          new ConnectorError("protocol", GUANYI_PLATFORM, `管易云 ${api.id} 分段读取已发出 ${MAX_PAGES} 次请求仍未读完（时间范围内共 ${whole.total} 条）：请缩小时间范围或联系管理员检查接口`);
        yield* slicedPages((slice, pageNo) => fetchPage(pageNo, slice), window, whole, pageSize, MAX_PAGES, tooMany);
        return;
      }
      // With more than one call allowed, waiting for a page also asks for the ones after it (as many
      // as the connection has calls in flight, no further than the last total says): pages are
      // still handed on in order, and none is asked for before the reader wants the one before it.
      const ahead = new Map<number, Promise<SourcePage>>();
      let lastPage = first;
      const take = (pageNo: number) => {
        for (let next = pageNo; next <= Math.max(pageNo, Math.min(lastPage, pageNo + client.concurrency - 1)); next++) {
          if (!ahead.has(next)) {
            const asked = fetchPage(next);
            asked.catch(() => undefined);
            ahead.set(next, asked);
          }
        }
        const page = ahead.get(pageNo)!;
        ahead.delete(pageNo);
        return page;
      };
      // The read ends when the records read reach the last `total`, or at an empty page: not at
      // page_no × page_size ≥ total. 管易云 does not publish its own cap on page_size; one below the
      // size asked would answer shorter pages, numbered by its cap, and the pages past
      // total / page_size would never be asked for. The pages a read started after (startPage > 1)
      // count as full. Every page but an empty one adds a record, so the read ends by `total`
      // pages at the latest; MAX_PAGES bounds a total that keeps growing.
      let read = (first - 1) * pageSize;
      // The most records a page held: the page size 管易云 actually serves (for the read-ahead).
      let served = 0;
      for (let pageNo = first; ; pageNo++) {
        const page = await take(pageNo);
        read += page.records.length;
        served = Math.max(served, page.records.length);
        lastPage = pageNo + (served > 0 ? Math.ceil(Math.max(0, page.total - read) / served) : 0);
        yield page;
        if (page.records.length === 0 || read >= page.total) return;
        if (pageNo - first + 1 >= MAX_PAGES) {
          throw new ConnectorError(
            "protocol",
            GUANYI_PLATFORM,
            `管易云 ${api.id} 已连续读取 ${MAX_PAGES} 页仍未读完（已读 ${read} 条，最后一页报告共 ${page.total} 条）：请缩小时间范围或联系管理员检查接口`,
          );
        }
      }
    },
  };
}

export async function testGuanyiConnection(config: ConnectionConfig): Promise<{ message: string; messageEn: string }> {
  const client = new GuanyiClient(config);
  const api = sourceApi("gy.erp.shop.get");
  const envelope = await client.call(api.id, { [api.paging.pageNo]: 1, [api.paging.pageSize]: 1 });
  const page = pageOf(envelope, api, 1, client.scrubValues);
  // The page puts "连接成功：" / "Connected: " before it (connections.testOk): not said twice.
  return { message: `共 ${page.total} 个店铺`, messageEn: `${page.total} ${page.total === 1 ? "shop" : "shops"} in all` };
}
