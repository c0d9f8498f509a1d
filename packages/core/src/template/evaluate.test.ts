import { describe, expect, it } from "vitest";
import { evaluateTemplate } from "./evaluate";
import { parseTemplate } from "./parse";
import type { TemplateVars } from "./types";

/** 2026-11-28 10:30:05.123 UTC = 18:30:05 in Shanghai. */
const NOW = new Date("2026-11-28T10:30:05.123Z");
const vars: TemplateVars = { CURRENT_TIME: NOW, LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: 50, PAGINATION_START_PAGE: 1 };

const record = {
  id: 710944505983,
  name: "  天猫旗舰店 ",
  code: "SHOP001",
  note: "",
  enabled: true,
  nothing: null,
  price: "12.345",
  create_date: "2024-03-01 08:05:09",
  items: [{ sku: "A-1", qty: 2 }, { sku: "B-2" }],
  店铺: { 名称: "中文店" },
  "first name": "Li",
  ID: "upper-id",
  tags: ["a", "b"],
};

function run(source: string, opts: { record?: unknown; vars?: Partial<TemplateVars>; timezone?: string } = {}): unknown {
  const r = parseTemplate(source);
  if (!r.ok) throw new Error(`${source}: ${r.errors.map((e) => e.messageEn).join("; ")}`);
  return evaluateTemplate(r.template, {
    record: "record" in opts ? opts.record : record,
    vars: { ...vars, ...opts.vars },
    ...(opts.timezone ? { timezone: opts.timezone } : {}),
  });
}

describe("evaluateTemplate: values and types", () => {
  it("keeps the type of a lone expression", () => {
    expect(run("{{id}}")).toBe(710944505983);
    expect(run("{{enabled}}")).toBe(true);
    expect(run("{{nothing}}")).toBeNull();
    expect(run("{{items[0]}}")).toEqual({ sku: "A-1", qty: 2 });
    expect(run("{{tags}}")).toEqual(["a", "b"]);
    expect(run("{{PAGINATION_PAGE_SIZE}}")).toBe(50);
    expect(run("{{PAGINATION_START_PAGE}}")).toBe(1);
  });

  it("makes a string when text surrounds expressions", () => {
    expect(run("{{code}}-{{id}}")).toBe("SHOP001-710944505983");
    expect(run(" {{enabled}}")).toBe(" true");
    expect(run("[{{items[0]}}]")).toBe('[{"sku":"A-1","qty":2}]');
    expect(run("页 {{PAGINATION_START_PAGE}}/{{PAGINATION_PAGE_SIZE}}")).toBe("页 1/50");
  });

  it("reads missing and null values as undefined alone and as empty text inside text", () => {
    expect(run("{{missing}}")).toBeUndefined();
    expect(run("{{items[5].sku}}")).toBeUndefined();
    expect(run("{{name.length.x}}")).toBeUndefined();
    expect(run("a{{missing}}b{{nothing}}c")).toBe("abc");
  });

  it("returns plain text as a constant string", () => {
    expect(run("100")).toBe("100");
    expect(run("")).toBe("");
    expect(run("true")).toBe("true");
  });

  it("treats {{x}} and <<x>> the same", () => {
    for (const [a, b] of [
      ["{{code}}", "<<code>>"],
      ["{{items.1.sku}}", "<<items[1].sku>>"],
      ["{{CURRENT_TIME datetime}}", "<<CURRENT_TIME datetime>>"],
      ["x{{name|trim}}y", "x<<name|trim>>y"],
    ] as const) {
      expect(run(b)).toEqual(run(a));
    }
  });

  it("reads nested, indexed, quoted and Chinese paths", () => {
    expect(run("{{items[1].sku}}")).toBe("B-2");
    expect(run("{{items.0.qty}}")).toBe(2);
    expect(run("{{店铺.名称}}")).toBe("中文店");
    expect(run('{{["first name"]}}')).toBe("Li");
    expect(run('{{["ID"]}}')).toBe("upper-id");
    expect(run("{{tags.length}}")).toBe(2);
  });

  it("reads only own properties", () => {
    expect(run("{{constructor}}")).toBeUndefined();
    expect(run("{{__proto__}}")).toBeUndefined();
    expect(run("{{name.length}}")).toBeUndefined();
    expect(run("{{toString}}", { record: {} })).toBeUndefined();
  });

  it("reads a record that is an array or a scalar", () => {
    expect(run("{{[1]}}", { record: ["a", "b"] })).toBe("b");
    expect(run("{{x}}", { record: 42 })).toBeUndefined();
    expect(run("{{x}}", { record: undefined })).toBeUndefined();
  });
});

describe("evaluateTemplate: variables and formats", () => {
  it("formats CURRENT_TIME in Asia/Shanghai by default, with both syntaxes", () => {
    expect(run("{{CURRENT_TIME datetime}}")).toBe("2026-11-28 18:30:05");
    expect(run("{{CURRENT_TIME|datetime}}")).toBe("2026-11-28 18:30:05");
    expect(run("{{CURRENT_TIME date}}")).toBe("2026-11-28");
    expect(run("{{CURRENT_TIME|date}}")).toBe("2026-11-28");
    expect(run("{{CURRENT_TIME timestamp}}")).toBe(1795861805);
    expect(run("{{CURRENT_TIME|timestamp}}")).toBe(1795861805);
    expect(run("{{CURRENT_TIME timestamp_ms}}")).toBe(1795861805123);
    expect(run("{{CURRENT_TIME|timestamp_ms}}")).toBe(1795861805123);
  });

  it("renders an unformatted time variable as datetime", () => {
    expect(run("{{CURRENT_TIME}}")).toBe("2026-11-28 18:30:05");
    expect(run("at {{CURRENT_TIME}}")).toBe("at 2026-11-28 18:30:05");
  });

  it("crosses the date line by timezone", () => {
    const early = { CURRENT_TIME: new Date("2026-11-28T17:00:00Z") };
    expect(run("{{CURRENT_TIME datetime}}", { vars: early })).toBe("2026-11-29 01:00:00");
    expect(run("{{CURRENT_TIME datetime}}", { vars: early, timezone: "UTC" })).toBe("2026-11-28 17:00:00");
    expect(run("{{CURRENT_TIME date}}", { vars: early, timezone: "America/New_York" })).toBe("2026-11-28");
    expect(run("{{CURRENT_TIME datetime}}", { vars: early, timezone: "America/New_York" })).toBe("2026-11-28 12:00:00");
    // Timestamps do not depend on the timezone.
    expect(run("{{CURRENT_TIME timestamp}}", { vars: early, timezone: "America/New_York" })).toBe(run("{{CURRENT_TIME timestamp}}", { vars: early }));
  });

  it("follows daylight saving time in the scheme's timezone", () => {
    const summer = { CURRENT_TIME: new Date("2026-07-01T12:00:00Z") };
    expect(run("{{CURRENT_TIME datetime}}", { vars: summer, timezone: "America/New_York" })).toBe("2026-07-01 08:00:00");
    expect(run("{{CURRENT_TIME datetime}}", { vars: summer, timezone: "Europe/Berlin" })).toBe("2026-07-01 14:00:00");
  });

  it("falls back to Asia/Shanghai for an unknown timezone instead of throwing", () => {
    expect(run("{{CURRENT_TIME datetime}}", { timezone: "Mars/Olympus" })).toBe("2026-11-28 18:30:05");
  });

  it("renders LAST_SYNC_TIME as empty when there is no cursor, whatever the format", () => {
    for (const source of ["{{LAST_SYNC_TIME}}", "{{LAST_SYNC_TIME datetime}}", "{{LAST_SYNC_TIME|date}}", "{{LAST_SYNC_TIME timestamp}}", "{{LAST_SYNC_TIME|timestamp_ms}}"]) {
      expect(run(source)).toBe("");
    }
    expect(run("since {{LAST_SYNC_TIME datetime}}.")).toBe("since .");
    expect(run("{{LAST_SYNC_TIME datetime|default('2000-01-01 00:00:00')}}")).toBe("2000-01-01 00:00:00");
  });

  it("formats LAST_SYNC_TIME when there is a cursor", () => {
    const cursor = { LAST_SYNC_TIME: new Date("2026-11-27T16:00:00Z") };
    expect(run("{{LAST_SYNC_TIME datetime}}", { vars: cursor })).toBe("2026-11-28 00:00:00");
    expect(run("{{LAST_SYNC_TIME timestamp}}", { vars: cursor })).toBe(1795795200);
  });

  it("renders an invalid Date as missing", () => {
    expect(run("{{CURRENT_TIME datetime}}", { vars: { CURRENT_TIME: new Date(Number.NaN) } })).toBeUndefined();
    expect(run("{{CURRENT_TIME}}", { vars: { CURRENT_TIME: new Date(Number.NaN) } })).toBeUndefined();
    expect(run("at {{CURRENT_TIME}}", { vars: { CURRENT_TIME: new Date(Number.NaN) } })).toBe("at ");
  });

  it("applies formats to record values holding dates", () => {
    expect(run("{{create_date timestamp}}")).toBe(Date.UTC(2024, 2, 1, 0, 5, 9) / 1000);
    expect(run("{{create_date date}}")).toBe("2024-03-01");
    expect(run("{{create_date timestamp}}", { timezone: "UTC" })).toBe(Date.UTC(2024, 2, 1, 8, 5, 9) / 1000);
  });
});

describe("evaluateTemplate: filters", () => {
  it("default replaces missing, null and empty values only", () => {
    expect(run("{{missing|default('无')}}")).toBe("无");
    expect(run("{{nothing|default('无')}}")).toBe("无");
    expect(run("{{note|default('无备注')}}")).toBe("无备注");
    expect(run("{{missing|default(0)}}")).toBe(0);
    expect(run("{{enabled|default('x')}}")).toBe(true);
    expect(run("{{code|default('x')}}")).toBe("SHOP001");
  });

  it("trim, upper and lower work on text and read scalars as text", () => {
    expect(run("{{name|trim}}")).toBe("天猫旗舰店");
    expect(run("{{code|lower}}")).toBe("shop001");
    expect(run("{{items[0].sku|lower|upper}}")).toBe("A-1");
    expect(run("{{enabled|upper}}")).toBe("TRUE");
    expect(run("{{id|trim}}")).toBe("710944505983");
  });

  it("text filters pass missing values and objects through", () => {
    expect(run("{{missing|upper}}")).toBeUndefined();
    expect(run("{{nothing|trim}}")).toBeNull();
    expect(run("{{items|upper}}")).toEqual(record.items);
  });

  it("substring cuts from start to end, negative from the end", () => {
    expect(run("{{code|substring(0,4)}}")).toBe("SHOP");
    expect(run("{{code|substring(4)}}")).toBe("001");
    expect(run("{{code|substring(-3)}}")).toBe("001");
    expect(run("{{name|trim|substring(0,2)}}")).toBe("天猫");
    expect(run("{{code|substring(10)}}")).toBe("");
    expect(run("{{id|substring(0,3)}}")).toBe("710");
  });

  it("replace replaces every occurrence literally", () => {
    expect(run("{{code|replace('0','o')}}")).toBe("SHOPoo1");
    expect(run("{{code|replace('.*','x')}}")).toBe("SHOP001");
    expect(run("{{code|replace('','x')}}")).toBe("SHOP001");
    expect(run("{{name|replace(' ','')}}")).toBe("天猫旗舰店");
    expect(run("{{id|replace(7, 'x')}}")).toBe("x10944505983");
  });

  it("number converts decimal text and leaves what is not a number empty", () => {
    expect(run("{{price|number}}")).toBe(12.345);
    expect(run("{{code|number}}")).toBeUndefined();
    expect(run("{{note|number}}")).toBeUndefined();
    expect(run("{{missing|number}}")).toBeUndefined();
    expect(run("{{enabled|number}}")).toBe(1);
    expect(run("{{v|number}}", { record: { v: "0x10" } })).toBeUndefined();
    expect(run("{{v|number}}", { record: { v: " -1.5e3 " } })).toBe(-1500);
    expect(run("{{v|number|default(0)}}", { record: { v: "n/a" } })).toBe(0);
  });

  it("round rounds half away from zero", () => {
    expect(run("{{price|round(2)}}")).toBe(12.35);
    expect(run("{{price|round}}")).toBe(12);
    expect(run("{{v|round(2)}}", { record: { v: 1.005 } })).toBe(1.01);
    expect(run("{{v|round}}", { record: { v: -2.5 } })).toBe(-3);
    expect(run("{{code|round}}")).toBeUndefined();
  });

  it("string and json make text", () => {
    expect(run("{{id|string}}")).toBe("710944505983");
    expect(run("{{missing|string}}")).toBe("");
    expect(run("{{items[1]|string}}")).toBe('{"sku":"B-2"}');
    expect(run("{{tags|json}}")).toBe('["a","b"]');
    expect(run("{{code|json}}")).toBe('"SHOP001"');
    expect(run("{{missing|json}}")).toBeUndefined();
  });

  it("split and join convert between text and arrays", () => {
    expect(run("{{v|split}}", { record: { v: "a,b,c" } })).toEqual(["a", "b", "c"]);
    expect(run("{{v|split('/')}}", { record: { v: "a/b" } })).toEqual(["a", "b"]);
    expect(run("{{v|split}}", { record: { v: "" } })).toEqual([]);
    expect(run("{{tags|join}}")).toBe("a,b");
    expect(run("{{tags|join('、')}}")).toBe("a、b");
    expect(run("{{code|join}}")).toBe("SHOP001");
  });

  it("date formats times, date strings and epoch numbers with a pattern", () => {
    expect(run("{{CURRENT_TIME|date('yyyy年M月d日 HH:mm')}}")).toBe("2026年11月28日 18:30");
    expect(run("{{CURRENT_TIME|date('yyyyMMddHHmmssSSS')}}")).toBe("20261128183005123");
    expect(run("{{CURRENT_TIME|date('yy/MM/dd')}}")).toBe("26/11/28");
    expect(run("{{create_date|date('yyyy/MM/dd')}}")).toBe("2024/03/01");
    expect(run("{{create_date|date('H:m:s')}}")).toBe("8:5:9");
    expect(run("{{v|date('yyyy-MM-dd HH:mm:ss')}}", { record: { v: 1795861805 } })).toBe("2026-11-28 18:30:05");
    expect(run("{{v|date('yyyy-MM-dd HH:mm:ss')}}", { record: { v: 1795861805123 } })).toBe("2026-11-28 18:30:05");
    expect(run("{{v|date}}", { record: { v: "1795861805" } })).toBe("2026-11-28");
    expect(run("{{v|datetime}}", { record: { v: "2026-11-28T10:30:05Z" } })).toBe("2026-11-28 18:30:05");
    expect(run("{{v|datetime}}", { record: { v: "2026-11-28T10:30:05+02:00" } })).toBe("2026-11-28 16:30:05");
    expect(run("{{v|datetime}}", { record: { v: "2026/1/2" } })).toBe("2026-01-02 00:00:00");
  });

  it("reads date strings in the scheme's timezone", () => {
    expect(run("{{create_date|timestamp}}", { timezone: "America/New_York" })).toBe(Date.UTC(2024, 2, 1, 13, 5, 9) / 1000);
    expect(run("{{create_date|datetime}}", { timezone: "America/New_York" })).toBe("2024-03-01 08:05:09");
  });

  it("date filters leave what is not a date empty and pass empty values through", () => {
    expect(run("{{code|date}}")).toBeUndefined();
    expect(run("{{v|datetime}}", { record: { v: "0000-00-00 00:00:00" } })).toBeUndefined();
    expect(run("{{v|datetime}}", { record: { v: "2026-02-30" } })).toBeUndefined();
    expect(run("{{v|datetime}}", { record: { v: "2026-01-01 24:00:00" } })).toBeUndefined();
    expect(run("{{note|date}}")).toBe("");
    expect(run("{{missing|timestamp}}")).toBeUndefined();
    expect(run("{{nothing|timestamp}}")).toBeNull();
    expect(run("{{items|timestamp}}")).toBeUndefined();
  });

  it("chains filters left to right", () => {
    expect(run("{{name|trim|substring(0,2)|replace('天猫','TM')|lower}}")).toBe("tm");
    expect(run("{{missing|trim|default('x')|upper}}")).toBe("X");
    expect(run("{{CURRENT_TIME timestamp|string|substring(0,4)}}")).toBe("1795");
  });
});
