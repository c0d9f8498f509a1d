// A small validator for the cron expressions schedules accept (what BullMQ's cron parser reads):
// 5 fields (minute hour day month weekday) or 6 with seconds first; each field a list of `*`,
// `?` (day fields), a value, a range `a-b`, each optionally `/step`; month and weekday names.

export type CronCheck = { ok: true } | { ok: false; message: string; messageEn: string };

interface CronField {
  name: string;
  nameEn: string;
  min: number;
  max: number;
  names?: readonly string[];
  /** `?` is allowed (day of month, day of week). */
  any?: boolean;
}

const SECOND: CronField = { name: "秒", nameEn: "second", min: 0, max: 59 };
const FIELDS: readonly CronField[] = [
  { name: "分钟", nameEn: "minute", min: 0, max: 59 },
  { name: "小时", nameEn: "hour", min: 0, max: 23 },
  { name: "日", nameEn: "day of month", min: 1, max: 31, any: true },
  {
    name: "月",
    nameEn: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  // 7 is Sunday as well as 0.
  { name: "星期", nameEn: "day of week", min: 0, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"], any: true },
];

const EXAMPLE = "例如 */5 * * * * 表示每 5 分钟，0 2 * * * 表示每天 2:00";
const EXAMPLE_EN = "e.g. */5 * * * * is every 5 minutes, 0 2 * * * is every day at 2:00";

export function validateCron(expression: string): CronCheck {
  const parts = expression.trim().split(/\s+/).filter((p) => p !== "");
  if (parts.length !== 5 && parts.length !== 6) {
    return {
      ok: false,
      message: `定时表达式应为 5 个字段（分 时 日 月 星期），或在最前面加上秒共 6 个字段，这里有 ${parts.length} 个；${EXAMPLE}`,
      messageEn: `A cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first; found ${parts.length}; ${EXAMPLE_EN}`,
    };
  }
  const fields = parts.length === 6 ? [SECOND, ...FIELDS] : FIELDS;
  for (let k = 0; k < parts.length; k++) {
    const problem = checkField(parts[k] as string, fields[k] as CronField);
    if (problem) {
      const field = fields[k] as CronField;
      return {
        ok: false,
        message: `定时表达式第 ${k + 1} 个字段（${field.name}）“${parts[k]}” 无效：${problem[0]}；${EXAMPLE}`,
        messageEn: `Field ${k + 1} (${field.nameEn}) "${parts[k]}" of the cron expression is invalid: ${problem[1]}; ${EXAMPLE_EN}`,
      };
    }
  }
  return { ok: true };
}

/** [zh, en] describing what is wrong, or undefined. */
function checkField(text: string, field: CronField): [string, string] | undefined {
  for (const item of text.split(",")) {
    if (item === "") return ["逗号之间不能为空", "empty item between commas"];
    const problem = checkItem(item, field);
    if (problem) return problem;
  }
  return undefined;
}

function checkItem(item: string, field: CronField): [string, string] | undefined {
  const slash = item.indexOf("/");
  const range = slash === -1 ? item : item.slice(0, slash);
  if (slash !== -1) {
    const step = item.slice(slash + 1);
    const span = field.max - field.min + 1;
    if (!/^\d+$/.test(step) || Number(step) < 1 || Number(step) > span) {
      return [`步长 “${step}” 应为 1 到 ${span} 的整数`, `step "${step}" must be an integer from 1 to ${span}`];
    }
  }
  if (range === "*") return undefined;
  if (range === "?") return field.any ? undefined : ["“?” 只能用于日或星期字段", '"?" is only allowed for day of month or day of week'];
  const dash = range.indexOf("-");
  const ends = dash === -1 ? [range] : [range.slice(0, dash), range.slice(dash + 1)];
  const values: number[] = [];
  for (const end of ends) {
    const value = readValue(end, field);
    if (value === undefined) {
      const named = field.names ? `或 ${field.names[0]}–${field.names[field.names.length - 1]} 等名称` : "";
      const namedEn = field.names ? ` or a name such as ${field.names[0]}` : "";
      return [
        `“${end}” 应为 ${field.min} 到 ${field.max} 的整数${named}`,
        `"${end}" must be an integer from ${field.min} to ${field.max}${namedEn}`,
      ];
    }
    values.push(value);
  }
  const [from, to] = values as [number, number | undefined];
  if (to !== undefined && from > to) return [`范围 ${range} 的起点大于终点`, `range ${range} starts after it ends`];
  return undefined;
}

function readValue(text: string, field: CronField): number | undefined {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1;
  if (index === -1) return undefined;
  return field.min === 1 ? index + 1 : index;
}
