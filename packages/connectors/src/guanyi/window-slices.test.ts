// Incremental reads in parts (./window-slices.ts), against the 管易云 simulator: every record of the
// window (one in the second two parts share may come twice: the engine stages it once), a window
// that fits in a page at one request, a second holding more than a page paged, and a read that is
// not incremental paged as before.
import { createGuanyiSimulator, GUANYI_NO_FAULTS as NO_FAULTS } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, ReadRequest, SourcePage } from "../types";
import { guanyi } from "./index";
import { cut, formatBeijing, MIN_SLICE_S, parseBeijing } from "./window-slices";

const DEMO = { appkey: "112194", sessionkey: "754a424bb6874a1fb8a7371f05e83974", secret: "7d3330562019420da7f3098aa630556b" };
const SHOPS = 250;
const sim = createGuanyiSimulator({ shops: SHOPS, seed: 7 });
let baseUrl = "";

beforeAll(async () => {
  baseUrl = await sim.listen(0, "127.0.0.1");
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset({ shops: SHOPS, seed: 7 });
  sim.setFaults(NO_FAULTS);
});

const config = (): ConnectionConfig => ({ baseUrl, credentials: DEMO, outbound, qps: 1000 });
const now = () => formatBeijing(Math.floor(Date.now() / 1000) + 5);
const request = (params: Record<string, unknown>, pageSize: number, incremental = true): ReadRequest => ({
  api: "gy.erp.shop.get",
  params: { ...params, page_size: pageSize, page_no: 1 },
  pageSize,
  startPage: 1,
  incremental,
});

async function readAll(req: ReadRequest): Promise<SourcePage[]> {
  const pages: SourcePage[] = [];
  for await (const page of guanyi.createSource!(config()).readPages(req)) pages.push(page);
  return pages;
}
const idsOf = (pages: SourcePage[]) => pages.flatMap((p) => p.records.map((r) => String(r.id)));
const calls = () => sim.state.stats.calls["gy.erp.shop.get"] ?? 0;

describe("cutting a window", () => {
  it("covers it in time order, each part ending a second after the next begins, none shorter than the minimum", () => {
    const parts = cut({ from: 1000, to: 2000 }, 500, 100);
    expect(parts).toHaveLength(7);
    expect(parts[0]!.from).toBe(1000);
    expect(parts.at(-1)!.to).toBe(2000);
    for (let i = 1; i < parts.length; i++) expect(parts[i]!.from).toBe(parts[i - 1]!.to - 1);
    expect(cut({ from: 0, to: 7 }, 1000, 100).every((p) => p.to - p.from >= MIN_SLICE_S - 1)).toBe(true);
    expect(cut({ from: 0, to: 2 }, 1000, 100)).toEqual([{ from: 0, to: 2 }]);
  });

  it("reads and writes 管易云's datetimes in Beijing time", () => {
    expect(parseBeijing("2026-12-06 08:00:00")).toBe(Date.UTC(2026, 11, 6, 0, 0, 0) / 1000);
    expect(formatBeijing(Date.UTC(2026, 11, 6, 0, 0, 0) / 1000)).toBe("2026-12-06 08:00:00");
    expect(parseBeijing("昨天")).toBeUndefined();
  });
});

describe("an incremental read", () => {
  it("reads a window larger than a page as its settled part, paged and checked against its own total, and its last minute: every shop once", async () => {
    const pages = await readAll(request({ modify_end_date: now() }, 100));
    const ids = idsOf(pages);
    expect(ids).toHaveLength(SHOPS);
    expect(new Set(ids).size).toBe(SHOPS);
    for (const page of pages) expect(page).toMatchObject({ total: SHOPS, part: expect.any(Object) });
    const settled = pages.filter((p) => p.part!.index === 0);
    expect(settled.map((p) => p.records.length)).toEqual([100, 100, 50]);
    expect(settled.every((p) => p.part!.total === SHOPS)).toBe(true);
    // The whole window's first page, the settled part's three, the last minute's one (empty).
    expect(calls()).toBe(5);
  });

  it("cuts the window's last minute, where records may still enter, into parts of one page each", async () => {
    // 120 shops changed over the window's last 50 seconds: more than a page of 100.
    const end = Math.floor(Date.now() / 1000);
    for (let i = 0; i < 120; i++) sim.state.shops.modify(i, { note: "刚改" }, end - 50 + Math.floor(i / 3));
    const pages = await readAll(request({ modify_end_date: formatBeijing(end) }, 100));
    const ids = idsOf(pages);
    expect(new Set(ids).size).toBe(SHOPS);
    const tail = pages.filter((p) => p.part!.index > 0);
    // The 120, and those of the two seconds neighbouring parts share (three shops a second here).
    const inTail = tail.reduce((n, p) => n + p.records.length, 0);
    expect(inTail).toBeGreaterThanOrEqual(120);
    expect(inTail - 120).toBeLessThanOrEqual(2 * 3 * (tail.length - 1));
    // Each part of the last minute was read in one page.
    expect(tail.length).toBeGreaterThanOrEqual(2);
    for (const p of tail) expect(p.records.length).toBe(p.part!.total);
  });

  it("a window that fits in one page costs one request, as before", async () => {
    sim.modifyShops(sim.state.shops.query({}, 0, 3).shops.map((s) => ({ code: s.code, set: { note: "改" } })));
    const since = formatBeijing(Math.floor(Date.now() / 1000) - 30);
    const pages = await readAll(request({ modify_start_date: since, modify_end_date: now() }, 100));
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ total: 3, pageNo: 1 });
    expect(pages[0]!.part).toBeUndefined();
    expect(calls()).toBe(1);
  });

  it("pages a second that holds more than a page, checked against that second's own total", async () => {
    // 40 shops changed in one second (a bulk edit): more than a page of 25.
    const codes = sim.state.shops.query({}, 0, 40).shops.map((s) => ({ code: s.code, set: { note: "批量修改" } }));
    sim.modifyShops(codes);
    const pages = await readAll(request({ modify_end_date: now() }, 25));
    const ids = idsOf(pages);
    expect(new Set(ids).size).toBe(SHOPS);
    // The bulk second's part (and a neighbour, which overlaps it by that second) are paged; each
    // part's pages hold its own total.
    const paged = pages.filter((p) => p.part!.total > 25);
    expect(paged.length).toBeGreaterThanOrEqual(2);
    for (const index of new Set(paged.map((p) => p.part!.index))) {
      const ofPart = pages.filter((p) => p.part!.index === index);
      expect(ofPart.reduce((n, p) => n + p.records.length, 0)).toBe(ofPart[0]!.part!.total);
    }
  });

  it("a read that is not incremental is paged as before", async () => {
    const pages = await readAll(request({ modify_end_date: now() }, 100, false));
    expect(pages.map((p) => [p.pageNo, p.records.length, p.part])).toEqual([
      [1, 100, undefined],
      [2, 100, undefined],
      [3, 50, undefined],
    ]);
    expect(calls()).toBe(3);
  });
});
