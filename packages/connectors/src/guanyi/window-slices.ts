// Reading an incremental modification-time window so that paging cannot skip a record unseen
// (session 26). 管易云 pages by page number over an order it does not publish. Between two page
// requests a record can leave the window (modified past its end) while another enters it (created in
// its last second, or committed late): `total` stays the same, every record in between moves up one
// place, and the first record of the next page slides onto a page already read. Nothing shows it (no
// total change, no record twice), and the cursor moves past it: lost for every later incremental
// run. The session's audit of the read side showed it with the simulator.
//
// A record can enter the window only near its end: one created now carries a time past the end, so
// only one stamped in the window's last second, or committed up to READ_WINDOW_OVERLAP_MS (60 s)
// after the time it carries, the same bound the engine's window overlap rests on, can appear during
// the read. Before that ("settled") records can only leave, and a leave changes the total, which the
// engine's read pass sees (it reads the window again). So a window whose first page does not hold it
// all is read in two parts: the settled part, paged as before with its pages checked against its
// own total (SourcePage.part); and the last SETTLE_S seconds, where records may enter, cut by time
// into parts that each fit in one page, so no record of it can slide past a page. A part of the tail
// that still overflows is cut again; one of MIN_SLICE_S seconds or less (a bulk change stamping
// hundreds of records in a second) is paged and checked like the settled part.
//
// Our choices (the protocol docs are silent):
// - Whether 管易云's bounds are inclusive is not published: each part ends a second after the next
//   begins, so no second falls between them whichever bounds are counted (with both inclusive they
//   share two). A record in a shared second comes in both; the engine stages it once and counts it once (its read
//   memory), and does not take a record read in two parts for one that moved (SourcePage.part). Not
//   filtered here: that would mean remembering every id of the settled part (a million on a large
//   first run).
// - An overflowing tail part's first page is not used (its records may lie anywhere in the part).
// - Cost: a window whose first page holds it all is one request, as before (the usual incremental
//   run); a larger one costs that first page, the settled part's pages and the tail's parts (one
//   when fewer than a page of records changed in its last minute).
import type { SourcePage } from "../types";

/** 管易云 datetimes: `yyyy-MM-dd HH:mm:ss`, Beijing time (UTC+8, no daylight saving). */
const DATETIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const BEIJING_OFFSET_S = 8 * 3600;

/** Epoch seconds of a 管易云 datetime, or undefined when it is not one. */
export function parseBeijing(value: unknown): number | undefined {
  const m = typeof value === "string" ? DATETIME.exec(value.trim()) : null;
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  return Number.isNaN(ms) ? undefined : ms / 1000 - BEIJING_OFFSET_S;
}

/** A 管易云 datetime for epoch seconds. */
export function formatBeijing(seconds: number): string {
  return new Date((seconds + BEIJING_OFFSET_S) * 1000).toISOString().slice(0, 19).replace("T", " ");
}

/** A part of the window: inclusive bounds in epoch seconds. */
export interface Slice {
  from: number;
  to: number;
}

/** A part this short (seconds between its bounds) is not cut again: it is paged. */
export const MIN_SLICE_S = 3;

/** Parts per page of a part's total: a little more than one, so that most parts fit at once. */
const PARTS_PER_PAGE = 1.25;

/**
 * The end of a window where records may still enter it during the read (see the file comment):
 * the engine's READ_WINDOW_OVERLAP_MS, in seconds.
 */
export const SETTLE_S = 60;

/**
 * `slice` cut into parts for a total of `total` records at `pageSize` a page, in time order, each
 * ending a second after the next begins; none shorter than MIN_SLICE_S (fewer parts instead).
 */
export function cut(slice: Slice, total: number, pageSize: number): Slice[] {
  const span = slice.to - slice.from;
  const wanted = Math.max(2, Math.ceil((total * PARTS_PER_PAGE) / pageSize));
  const parts = Math.max(1, Math.min(wanted, Math.floor(span / MIN_SLICE_S)));
  if (parts < 2) return [slice];
  const bounds = Array.from({ length: parts + 1 }, (_, i) => slice.from + Math.round((i * span) / parts));
  return bounds.slice(0, -1).map((from, i) => ({ from, to: i === parts - 1 ? slice.to : Math.min(bounds[i + 1]! + 1, slice.to) }));
}

/** One request of the read: page `pageNo` of the window narrowed to `slice`. */
export type FetchPart = (slice: Slice, pageNo: number) => Promise<SourcePage>;

/**
 * The pages of window `window` read in parts (see the file comment). `first` is the whole window's
 * first page, already asked for; it overflowed. Pages are numbered in the order they are handed on
 * and carry the window's total (for the run's progress) and their part (for the engine's checks).
 * `maxRequests` bounds the read (as MAX_PAGES bounds a paged one): past it, `tooMany` is thrown.
 */
export async function* slicedPages(
  fetch: FetchPart,
  window: Slice,
  first: SourcePage,
  pageSize: number,
  maxRequests: number,
  tooMany: () => Error,
): AsyncGenerator<SourcePage> {
  let requests = 1;
  let pageNo = 0;
  let part = 0;
  const ask = (slice: Slice, n: number) => {
    if (++requests > maxRequests) throw tooMany();
    return fetch(slice, n);
  };
  /** A part, page after page from its first (already asked for). */
  async function* paged(slice: Slice, page: SourcePage): AsyncGenerator<SourcePage> {
    // An empty part: nothing to hand on.
    if (page.total === 0 && page.records.length === 0) return;
    const index = part++;
    let read = 0;
    for (let n = 1; ; n++) {
      if (n > 1) page = await ask(slice, n);
      read += page.records.length;
      yield { pageNo: ++pageNo, total: first.total, records: page.records, part: { index, total: page.total } };
      if (page.records.length === 0 || read >= page.total) break;
    }
  }

  const tailFrom = Math.max(window.from, window.to - SETTLE_S);
  if (tailFrom > window.from) {
    const settled = { from: window.from, to: tailFrom + 1 };
    yield* paged(settled, await ask(settled, 1));
  }
  const stack: Slice[] = [{ from: tailFrom, to: window.to }];
  while (stack.length > 0) {
    const slice = stack.pop()!;
    const page = await ask(slice, 1);
    const parts = page.records.length < page.total ? cut(slice, page.total, pageSize) : [slice];
    if (parts.length > 1) stack.push(...parts.reverse());
    else yield* paged(slice, page);
  }
}
