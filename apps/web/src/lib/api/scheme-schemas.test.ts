// A scheme's name is refused by one rule in the editor (before it sends anything) and in the API:
// an empty name was saved as 未命名方案 while the editor kept showing an empty field (session 35).
import { describe, expect, test } from "vitest";
import { createSchemeBody, SCHEME_NAME_MAX, schemeNameIssue, updateSchemeBody } from "./scheme-schemas";

const empty = { path: ["name"], message: "名称不能为空", messageEn: "The name cannot be empty" };

describe("schemeNameIssue", () => {
  test.each(["", "   ", "\t\n"])("refuses an empty name %j, in both languages", (name) => {
    expect(schemeNameIssue(name)).toEqual(empty);
  });

  test("refuses a name longer than SCHEME_NAME_MAX once trimmed, and takes one that long", () => {
    expect(schemeNameIssue("名".repeat(SCHEME_NAME_MAX + 1))).toMatchObject({ message: `名称最多 ${SCHEME_NAME_MAX} 个字符` });
    expect(schemeNameIssue(` ${"名".repeat(SCHEME_NAME_MAX)} `)).toBeUndefined();
    expect(schemeNameIssue("店铺同步")).toBeUndefined();
  });

  test("refuses a bidirectional control or a zero-width character, the editor's field and the API alike (session 36)", () => {
    expect(schemeNameIssue("发票\u202efdp.exe")).toMatchObject({ path: ["name"], message: expect.stringContaining("U+202E"), messageEn: expect.stringContaining("U+202E") });
    expect(schemeNameIssue("店铺\u200b同步")).toMatchObject({ path: ["name"], message: expect.stringContaining("U+200B") });
  });
});

describe("the API's scheme bodies", () => {
  const definition = { version: 1, timezone: "Asia/Shanghai", schedule: null, nodes: [], edges: [] };

  test("refuse an empty name with the editor's issue (its English in the params, which the API answers with)", () => {
    for (const parsed of [createSchemeBody.safeParse({ name: "  ", definition }), updateSchemeBody.safeParse({ name: "" })]) {
      expect(parsed.error?.issues).toEqual([expect.objectContaining({ path: ["name"], message: empty.message, params: { messageEn: empty.messageEn } })]);
    }
  });

  test("refuse baseVersion without a definition, at baseVersion (session 36)", () => {
    for (const body of [{ baseVersion: 2 }, { name: "店铺同步", enabled: true, baseVersion: 2 }]) {
      expect(updateSchemeBody.safeParse(body).error?.issues).toEqual([expect.objectContaining({ path: ["baseVersion"], params: { messageEn: expect.stringMatching(/^baseVersion is only sent with a definition/) } })]);
    }
    expect(updateSchemeBody.safeParse({ definition, baseVersion: 2 }).success).toBe(true);
  });

  test("save a name without the spaces around it", () => {
    expect(updateSchemeBody.parse({ name: "  店铺同步 " }).name).toBe("店铺同步");
  });
});
