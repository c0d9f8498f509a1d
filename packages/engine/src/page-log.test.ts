import { render, type Message } from "@qiao/core";
import { describe, expect, test } from "vitest";
import { PageLog, SUMMARY_MS, type PageFacts } from "./page-log";

function recorder() {
  const lines: string[] = [];
  const data: Record<string, unknown>[] = [];
  const journal = {
    progress(m: Message, d?: Record<string, unknown>) {
      lines.push(render(m, "en"));
      data.push(d ?? {});
      return Promise.resolve();
    },
  };
  return { lines, data, journal };
}

const page = (n: number, result: Partial<PageFacts["result"]> = {}, more: Partial<PageFacts> = {}): PageFacts => ({
  page: n,
  pages: 9,
  total: 850,
  read: 100,
  withoutId: 0,
  idField: "id",
  result: { toWrite: 0, unchanged: 100, done: 0, stale: 0, failedUnchanged: 0, inserted: 0, ...result },
  ...more,
});

describe("the read's page lines", () => {
  test("unchanged pages share a line; a page with anything else has its own, after the stretch before it", async () => {
    const { lines, data, journal } = recorder();
    const log = new PageLog(journal, () => 0);
    for (const n of [1, 2, 3]) await log.page(page(n));
    await log.page(page(4, { toWrite: 5, unchanged: 95 }));
    await log.page(page(5));
    await log.page(page(6, { stale: 1, unchanged: 99 }));
    await log.page(page(7, { failedUnchanged: 2, unchanged: 98 }));
    await log.page(page(8, {}, { withoutId: 1, read: 101 }));
    await log.page(page(9, { unchanged: 50 }, { read: 50 }));
    expect(lines).toEqual([
      "Pages 1–3/9: 300 read, all unchanged",
      "Page 4/9: 100 read, 5 new or changed, 95 unchanged",
      // A stretch of one page keeps the page's own line.
      "Page 5/9: 100 read, 0 new or changed, 100 unchanged",
      "Page 6/9: 100 read, 0 new or changed, 99 unchanged, 1 changed, not updated in create mode",
      "Page 7/9: 100 read, 0 new or changed, 98 unchanged, 2 still failed from earlier (retry them)",
      "Page 8/9: 101 read, 0 new or changed, 100 unchanged, 1 without id ignored",
    ]);
    expect(data[0]).toMatchObject({ fromPage: 1, toPage: 3, pages: 3, read: 300, unchanged: 300 });
    await log.flush();
    expect(lines.at(-1)).toBe("Page 9/9: 50 read, 0 new or changed, 50 unchanged");
    await log.flush();
    expect(lines).toHaveLength(7);
  });

  test("a long stretch is written every SUMMARY_MS, so a long rerun still shows its progress", async () => {
    const { lines, journal } = recorder();
    let now = 0;
    const log = new PageLog(journal, () => now);
    for (let n = 1; n <= 9; n++) {
      await log.page(page(n));
      now += SUMMARY_MS / 4;
    }
    expect(lines).toEqual(["Pages 1–5/9: 500 read, all unchanged"]);
    await log.flush();
    expect(lines).toEqual(["Pages 1–5/9: 500 read, all unchanged", "Pages 6–9/9: 400 read, all unchanged"]);
  });
});
