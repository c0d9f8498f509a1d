import { describe, expect, it } from "vitest";
import { nextCronRun, previousCronRun, validateCron } from "./cron";
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

  it("is null for what the parser refuses", () => {
    expect(previousCronRun("61 * * * *", "Asia/Shanghai", new Date())).toBeNull();
    expect(previousCronRun("0 2 * * *", "Mars/Olympus", new Date())).toBeNull();
  });
});
