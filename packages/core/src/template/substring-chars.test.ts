// `substring(start, end)` counts characters (TEMPLATES.md, catalog: "从第 开始 个字符…"), not UTF-16
// units: a name holding an emoji or a CJK Extension-B character (𠀀, common in shop and person names)
// is never cut in the middle of a character. Before session 25 (its audit) it wrote a lone surrogate.
import { describe, expect, it } from "vitest";
import { evaluateTemplate } from "./evaluate";
import { parseTemplate } from "./parse";

const vars = { CURRENT_TIME: new Date(0), LAST_SYNC_TIME: null, PAGINATION_PAGE_SIZE: 50, PAGINATION_START_PAGE: 1 };

function run(source: string, record: unknown): unknown {
  const r = parseTemplate(source);
  if (!r.ok) throw new Error(r.errors.map((e) => e.messageEn).join("; "));
  return evaluateTemplate(r.template, { record, vars });
}

const isWellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("substring counts characters", () => {
  it("never cuts a character in half: the first 2 characters of 爆🔥款店", () => {
    const value = run("{{name | substring(0, 2)}}", { name: "爆🔥款店" });
    expect(typeof value).toBe("string");
    expect(isWellFormed(value as string)).toBe(true);
    expect(value).toBe("爆🔥");
  });

  it("negative counts from the end by characters too", () => {
    expect(run("{{name | substring(-2)}}", { name: "张𠀀" })).toBe("张𠀀");
  });
});
