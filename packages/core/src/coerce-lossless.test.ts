// coerceToField converts a value to the field's type only where nothing is lost (mapping.ts,
// TEMPLATES.md): a number field refuses decimal text with more digits than a double holds, as an
// integer field refuses an unsafe integer, and a datetime field refuses text that is not a date.
// Before session 25 (its audit) 18 digits were rounded and sent, and "0000-00-00" went to 金蝶.
import { describe, expect, it } from "vitest";
import type { FieldMeta } from "./connector-meta";
import { coerceToField } from "./mapping";

const numberField: FieldMeta = { key: "FTaxPrice", label: "含税单价", labelEn: "Unit price incl. tax", type: "number" };
const dateField: FieldMeta = { key: "FDate", label: "日期", labelEn: "Date", type: "datetime", required: true };

describe("coerceToField loses nothing", () => {
  it("refuses decimal text a double cannot hold exactly: 18 digits, or many decimals on a large amount", () => {
    for (const text of ["123456789012345678", "12345678.123456789", "1e400"]) {
      const r = coerceToField(text, numberField);
      expect(r.ok, text).toBe(false);
      if (!r.ok) expect(r.message).toContain("FTaxPrice");
    }
  });

  it("keeps every number a double holds, however it is written", () => {
    const cases: [string, number][] = [
      ["19.90", 19.9],
      ["2.0", 2],
      ["-0.5", -0.5],
      ["0.00", 0],
      ["-0", -0],
      ["1e3", 1000],
      ["0.1", 0.1],
      ["9007199254740991", 9007199254740991],
      [" 42 ", 42],
    ];
    for (const [text, n] of cases) expect(coerceToField(text, numberField), text).toEqual({ ok: true, value: n });
    expect(coerceToField(123456789012345680, numberField)).toEqual({ ok: true, value: 123456789012345680 });
  });

  it("refuses a datetime field value that is not a date, as a number field refuses 'abc'", () => {
    expect(coerceToField("abc", { ...numberField }).ok).toBe(false);
    // 0000-00-00 (the zero date the template docs mention) and free text are refused, not sent to 金蝶.
    expect(coerceToField("0000-00-00 00:00:00", dateField).ok).toBe(false);
    expect(coerceToField("明天", dateField).ok).toBe(false);
    // A date as text goes as it is.
    expect(coerceToField("2025-02-25 09:20:47", dateField)).toEqual({ ok: true, value: "2025-02-25 09:20:47" });
    expect(coerceToField("2025-02-25", dateField)).toEqual({ ok: true, value: "2025-02-25" });
  });
});
