// Session 36 (audit of trust and bad input; failing before its fix): names accepted bidirectional
// controls and zero-width characters, which a list shows without a trace while they change how the
// name reads. One rule refuses them in every name (./names.ts); text in other scripts stays a name.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { hiddenCharacterIssue, refuseHiddenCharacters } from "./names";
import { valueMapEntrySchema, valueMapNameSchema } from "./value-map";

const HIDDEN = [0x061c, 0x200b, 0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2060, 0x2066, 0x2067, 0x2068, 0x2069, 0xfeff];

describe("hiddenCharacterIssue", () => {
  it.each(HIDDEN.map((c) => [`U+${c.toString(16).toUpperCase().padStart(4, "0")}`, c] as const))("refuses %s, naming it in both languages", (code, c) => {
    expect(hiddenCharacterIssue(`发票${String.fromCharCode(c)}fdp.exe`)).toEqual({
      message: `名称不能包含看不见的字符或文字方向控制字符（此处有 ${code}，它会改变名称在列表中的显示）：请删除后再保存`,
      messageEn: `A name cannot contain invisible or text-direction control characters (it has ${code}, which changes how the name shows in a list): remove it and save again`,
    });
  });

  it.each(["店铺→客户", "שם עברי", "اسم عربي", "Zoë & Co. (2)", "🙂 同步", "tab\tand space"])("takes %s", (name) => {
    expect(hiddenCharacterIssue(name)).toBeUndefined();
  });
});

describe("refuseHiddenCharacters", () => {
  it("refuses in a name schema, with the English in the issue's params", () => {
    const name = z.string().trim().superRefine(refuseHiddenCharacters);
    const parsed = name.safeParse("a\u202eb");
    expect(parsed.error?.issues).toEqual([expect.objectContaining({ code: "custom", message: expect.stringContaining("U+202E"), params: { messageEn: expect.stringContaining("U+202E") } })]);
    expect(name.parse("  ab ")).toBe("ab");
  });

  it("refuses in a value map's name, not in its values (record data)", () => {
    expect(valueMapNameSchema.safeParse("仓库\u200b").success).toBe(false);
    expect(valueMapEntrySchema.parse({ source: "WH\u200b01", target: "\u202e01" })).toEqual({ source: "WH\u200b01", target: "\u202e01" });
  });
});
