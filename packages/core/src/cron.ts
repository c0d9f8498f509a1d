// Cron expressions are read by cron-parser, the parser BullMQ's job schedulers use (the same
// version: see package.json), so a schedule the editor accepts is a schedule the worker runs, and
// one it refuses would not run. What we add is a policy and the messages: 5 fields (minute hour day
// month weekday) or 6 with seconds first, or a macro such as @daily; cron-parser would complete a
// shorter expression with `*`s, which is rarely what the person meant. Pure: nothing here reads
// the clock (the parser is given a fixed date) or the environment.
import { CronExpressionParser } from "cron-parser";

export type CronCheck = { ok: true } | { ok: false; message: string; messageEn: string };

interface CronField {
  name: string;
  nameEn: string;
  /** The values the field takes, for the message. */
  values: string;
}

const SECOND: CronField = { name: "秒", nameEn: "second", values: "0–59" };
const FIELDS: readonly CronField[] = [
  { name: "分钟", nameEn: "minute", values: "0–59" },
  { name: "小时", nameEn: "hour", values: "0–23" },
  { name: "日", nameEn: "day of month", values: "1–31" },
  { name: "月", nameEn: "month", values: "1–12, JAN–DEC" },
  { name: "星期", nameEn: "day of week", values: "0–7 (0 and 7 = Sunday), SUN–SAT" },
];
/** For the message only: which macros there are is the parser's business. */
const MACROS = "@yearly @monthly @weekly @weekdays @daily @hourly";

const EXAMPLE = "例如 */5 * * * * 表示每 5 分钟，0 2 * * * 表示每天 2:00，@daily 表示每天 0:00";
const EXAMPLE_EN = "e.g. */5 * * * * is every 5 minutes, 0 2 * * * is every day at 2:00, @daily is every day at 0:00";

/** The parser's own reason, or undefined when it reads the expression. */
function parserError(expression: string): string | undefined {
  try {
    CronExpressionParser.parse(expression, { currentDate: 0 });
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export function validateCron(expression: string): CronCheck {
  const text = expression.trim();
  if (text.startsWith("@")) {
    if (parserError(text) === undefined) return { ok: true };
    return {
      ok: false,
      message: `未知的定时宏 “${text}”，可用例如：${MACROS}；${EXAMPLE}`,
      messageEn: `Unknown cron macro "${text}"; known ones include ${MACROS}; ${EXAMPLE_EN}`,
    };
  }
  const parts = text.split(/\s+/).filter((p) => p !== "");
  if (parts.length !== 5 && parts.length !== 6) {
    return {
      ok: false,
      message: `定时表达式应为 5 个字段（分 时 日 月 星期），或在最前面加上秒共 6 个字段，这里有 ${parts.length} 个；${EXAMPLE}`,
      messageEn: `A cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first; found ${parts.length}; ${EXAMPLE_EN}`,
    };
  }
  const fields = parts.length === 6 ? [SECOND, ...FIELDS] : FIELDS;
  // cron-parser reads `H` ("hashed": some value of the field) and, without a seed (BullMQ gives
  // none), picks it at random each time it parses the expression, which BullMQ does for every tick:
  // `H 2 * * *` fired at 02:40, then again at 02:55 the same night (session 25's audit).
  const hashed = parts.findIndex((p) => p.split(",").some((token) => /^H(?:$|[(/])/.test(token)));
  if (hashed >= 0) {
    const field = fields[hashed] as CronField;
    return {
      ok: false,
      message: `定时表达式第 ${hashed + 1} 个字段（${field.name}）“${parts[hashed]}” 用了随机值 H：每次计算都会取不同的值，同一天可能运行多次。请写出具体的值（${field.values}）；${EXAMPLE}`,
      messageEn: `Field ${hashed + 1} (${field.nameEn}) "${parts[hashed]}" of the cron expression uses H (a random value): it would be drawn anew at each tick, so the schedule could fire more than once a day. Write the value (${field.values}); ${EXAMPLE_EN}`,
    };
  }
  const whole = parserError(text);
  if (whole === undefined) return { ok: true };
  // Name the field: the first one the parser refuses when every other field is `*`.
  for (let k = 0; k < parts.length; k++) {
    const alone = parserError(parts.map((p, i) => (i === k ? p : "*")).join(" "));
    if (alone === undefined) continue;
    const field = fields[k] as CronField;
    return {
      ok: false,
      message: `定时表达式第 ${k + 1} 个字段（${field.name}）“${parts[k]}” 无效：取值 ${field.values}，可用 * , - / 组合；${EXAMPLE}`,
      messageEn: `Field ${k + 1} (${field.nameEn}) "${parts[k]}" of the cron expression is invalid (${alone}); values ${field.values}, combined with * , - /; ${EXAMPLE_EN}`,
    };
  }
  return {
    ok: false,
    message: `定时表达式 “${text}” 的字段组合无效；${EXAMPLE}`,
    messageEn: `The fields of the cron expression "${text}" do not go together (${whole}); ${EXAMPLE_EN}`,
  };
}

/**
 * A reconciliation's cron when it is saved: validateCron's policy without a seconds field (5 fields
 * or a macro). A reconciliation reads the scheme's whole 金蝶 form: one every second, or every few,
 * would query the customer's server without pause (session 36's audit). Checked at save only: a
 * reconciliation cron stored with seconds before still loads and runs as it did.
 */
export function validateReconcileCron(expression: string): CronCheck {
  const text = expression.trim();
  const fields = text.split(/\s+/).filter((p) => p !== "").length;
  if (text.startsWith("@") || fields === 5) return validateCron(text);
  return {
    ok: false,
    message: `对账的定时表达式应为 5 个字段（分 时 日 月 星期）或定时宏，这里有 ${fields} 个；不能在最前面加秒：按秒对账会不停地查询金蝶；${EXAMPLE}`,
    messageEn: `A reconciliation's cron expression has 5 fields (minute hour day month weekday) or is a macro; found ${fields}. No seconds field: reconciling by the second would query Kingdee without pause; ${EXAMPLE_EN}`,
  };
}

/**
 * When a schedule fires next after `after`, as BullMQ's job scheduler computes it (cron-parser in
 * the scheme's timezone); null for an expression or timezone the parser refuses.
 */
export function nextCronRun(expression: string, timezone: string, after: Date): Date | null {
  try {
    return CronExpressionParser.parse(expression.trim(), { currentDate: after, tz: timezone }).next().toDate();
  } catch {
    return null;
  }
}

/**
 * When a schedule last fired at or before `at` (the tick a scheduler Redis lost may owe: see
 * @qiao/jobs owed-ticks.ts), as BullMQ fires it: the last of next()'s ticks at or before `at`; null
 * for an expression or timezone the parser refuses, or none. Not cron-parser's prev(), which
 * disagrees with next() on a daylight-saving day: it skips the tick next() moves to the hour after a
 * time that does not exist (0 2 * * * in Europe/Berlin fires at 03:00 CEST when clocks spring
 * forward), and returns a time that happens twice at its second occurrence, which next() never fires
 * (30 1 * * * in America/New_York on the day clocks fall back). So: three prev() steps back (past any
 * tick it got wrong), then next() forward to `at`.
 */
export function previousCronRun(expression: string, timezone: string, at: Date): Date | null {
  try {
    // prev() is strictly before currentDate: a tick due exactly now counts too.
    const back = CronExpressionParser.parse(expression.trim(), { currentDate: new Date(at.getTime() + 1), tz: timezone });
    let from: Date | null = null;
    for (let k = 0; k < 3 && back.hasPrev(); k++) from = back.prev().toDate();
    if (!from) return null;
    // next() is strictly after currentDate: from the earliest of them, included.
    const forward = CronExpressionParser.parse(expression.trim(), { currentDate: new Date(from.getTime() - 1), tz: timezone });
    let last: Date | null = null;
    while (forward.hasNext()) {
      const tick = forward.next().toDate();
      if (tick.getTime() > at.getTime()) break;
      last = tick;
    }
    return last;
  } catch {
    return null;
  }
}
