import { describe, expect, it } from "vitest";
import { nextCronRun, previousCronRun, validateCron, validateReconcileCron } from "./cron";
import { cronSchema } from "./scheme";

describe("validateCron", () => {
  it.each([
    "*/5 * * * *",
    "0 2 * * *",
    "0 0 1 1 *",
    "0,15,30,45 8-18 * * MON-FRI",
    "0 9 ? * sun",
    "30 */2 1-15/3 JAN,jul *",
    "0 0 * * 7",
    "5/10 * * * *",
    "0 */5 * * * *",
    "  59 23 31 12 6  ",
    // Seconds first: the soak schedules every 5 seconds.
    "*/5 * * * * *",
    "@daily",
    "@hourly",
    "@weekly",
    "@weekdays",
    // Read as BullMQ reads them (the old hand-written grammar refused these two, the scheduler never did).
    "*/61 * * * *",
    "0 0 L * *",
    // Not H: a weekday name that holds the letter.
    "0 2 * * THU",
  ])("accepts %s", (expression) => {
    expect(validateCron(expression)).toEqual({ ok: true });
  });

  it.each([
    ["", "0 个"],
    ["* * * *", "4 个"],
    ["* * * * * * *", "7 个"],
    ["60 * * * *", "分钟"],
    ["* 24 * * *", "小时"],
    ["* * 0 * *", "日"],
    ["* * 32 * *", "日"],
    ["* * * 13 *", "月"],
    ["* * * * 8", "星期"],
    ["* * * FOO *", "月"],
    ["*/0 * * * *", "分钟"],
    ["5-1 * * * *", "分钟"],
    ["1,,2 * * * *", "分钟"],
    ["a * * * *", "分钟"],
    ["0 0 * * MON-FOO", "星期"],
    ["@fortnightly", "@daily"],
    ["every 5 minutes", "3 个"],
    ["* * * * * ; rm -rf /", "9 个"],
    ["60 * * * * *", "秒"],
    ["* * * * L", "星期"],
    // H: a random value, drawn anew at every parse (BullMQ's ticks; session 25's audit).
    ["H 2 * * *", "随机值 H"],
    ["0 H(0-5) * * *", "小时"],
    ["H/5 * * * *", "分钟"],
    ["0 2 * * 1,H", "星期"],
    ["H * * * * *", "秒"],
  ])("rejects %s", (expression, mention) => {
    const r = validateCron(expression);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.message).toContain(mention);
      expect(r.messageEn.length).toBeGreaterThan(0);
    }
  });

  it("cronSchema carries the zh-CN message and the English one", () => {
    const r = cronSchema.safeParse("* 99 * * *");
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toContain("第 2 个字段（小时）");
    expect(r.error?.issues[0]).toMatchObject({ params: { messageEn: expect.stringContaining("hour") } });
    expect(cronSchema.safeParse("*/5 * * * *").success).toBe(true);
  });
});

describe("nextCronRun", () => {
  it("answers the next time in the scheme's timezone, as the scheduler fires it", () => {
    const after = new Date("2026-12-04T17:30:00Z"); // 01:30 on Dec 5 in Shanghai
    expect(nextCronRun("0 2 * * *", "Asia/Shanghai", after)?.toISOString()).toBe("2026-12-04T18:00:00.000Z");
    expect(nextCronRun("0 2 * * *", "UTC", after)?.toISOString()).toBe("2026-12-05T02:00:00.000Z");
    expect(nextCronRun("*/5 * * * *", "Asia/Shanghai", after)?.toISOString()).toBe("2026-12-04T17:35:00.000Z");
  });

  it("is null for what the parser refuses", () => {
    expect(nextCronRun("61 * * * *", "Asia/Shanghai", new Date())).toBeNull();
    expect(nextCronRun("0 2 * * *", "Mars/Olympus", new Date())).toBeNull();
  });
});

describe("previousCronRun", () => {
  it("answers the last time the schedule fired, in the scheme's timezone, a tick due exactly now included", () => {
    const at = new Date("2026-12-04T17:30:00Z"); // 01:30 on Dec 5 in Shanghai
    expect(previousCronRun("0 2 * * *", "Asia/Shanghai", at)?.toISOString()).toBe("2026-12-03T18:00:00.000Z");
    expect(previousCronRun("0 2 * * *", "UTC", at)?.toISOString()).toBe("2026-12-04T02:00:00.000Z");
    expect(previousCronRun("*/5 * * * *", "Asia/Shanghai", at)?.toISOString()).toBe("2026-12-04T17:30:00.000Z");
    expect(previousCronRun("*/5 * * * *", "Asia/Shanghai", new Date("2026-12-04T17:34:59.999Z"))?.toISOString()).toBe("2026-12-04T17:30:00.000Z");
  });

  it("agrees with the ticks BullMQ fires (next()) on daylight-saving days, where cron-parser's prev() does not (session 25's audit)", () => {
    // Spring forward in Berlin: 02:00 does not exist on Mar 29; next() fires at 03:00 CEST (01:00Z).
    expect(nextCronRun("0 2 * * *", "Europe/Berlin", new Date("2026-03-28T01:00:00Z"))?.toISOString()).toBe("2026-03-29T01:00:00.000Z");
    expect(previousCronRun("0 2 * * *", "Europe/Berlin", new Date("2026-03-29T01:30:00Z"))?.toISOString()).toBe("2026-03-29T01:00:00.000Z");
    // Fall back in New York: 01:30 happens twice on Nov 1; next() fires the first (05:30Z) only.
    expect(previousCronRun("30 1 * * *", "America/New_York", new Date("2026-11-01T06:45:00Z"))?.toISOString()).toBe("2026-11-01T05:30:00.000Z");
    // Every tick next() fires across each change (a month of daily ticks, 15 hours of half-hourly ones) is its own previousCronRun.
    for (const [tz, start] of [
      ["Europe/Berlin", "2026-03-28T18:00:00Z"],
      ["America/New_York", "2026-10-31T20:00:00Z"],
    ] as const) {
      for (const pattern of ["0 2 * * *", "30 1 * * *", "*/30 * * * *"]) {
        let tick = nextCronRun(pattern, tz, new Date(start))!;
        for (let k = 0; k < 30; k++) {
          expect(previousCronRun(pattern, tz, tick)?.toISOString(), `${tz} ${pattern}`).toBe(tick.toISOString());
          expect(previousCronRun(pattern, tz, new Date(tick.getTime() - 1))?.getTime(), `${tz} ${pattern}`).toBeLessThan(tick.getTime());
          tick = nextCronRun(pattern, tz, tick)!;
        }
      }
    }
  });

  it("is null for what the parser refuses", () => {
    expect(previousCronRun("61 * * * *", "Asia/Shanghai", new Date())).toBeNull();
    expect(previousCronRun("0 2 * * *", "Mars/Olympus", new Date())).toBeNull();
  });
});

// Session 36 (audit of trust and bad input; failing before its fix): a reconciliation cron was saved
// with validateCron's policy, seconds field included, so a reconciliation could run every second.
describe("validateReconcileCron", () => {
  it.each(["0 3 * * *", "*/30 * * * *", "  0 2 * * MON-FRI ", "@daily", "@hourly"])("accepts %s", (expression) => {
    expect(validateReconcileCron(expression)).toEqual({ ok: true });
  });

  it.each([
    ["* * * * * *", "6 个"],
    ["*/5 * * * * *", "6 个"],
    ["0 0 3 * * *", "6 个"],
    ["* * * *", "4 个"],
    ["0 3 * * * * *", "7 个"],
  ])("refuses %s (no seconds field), in both languages", (expression, count) => {
    const check = validateReconcileCron(expression);
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.message).toContain(count);
    expect(check.message).toContain("不能在最前面加秒");
    expect(check.messageEn).toContain("No seconds field");
  });

  it("refuses what validateCron refuses, with its message", () => {
    expect(validateReconcileCron("60 * * * *")).toEqual(validateCron("60 * * * *"));
    expect(validateReconcileCron("@sometimes")).toEqual(validateCron("@sometimes"));
  });
});
