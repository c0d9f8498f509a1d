// The English UI is complete (session 27's UI audit). An English reader sees no Chinese prose: the platforms are
// "Kingdee" and "Guanyi" in English (as app.tagline already says), not 金蝶 / 管易云 / 网控.
// Chinese is allowed only where it is a literal the user types or reads back as-is.
import { describe, expect, it } from "vitest";
import { MESSAGES } from "./messages";

/** Literals an English text may quote: the language switch's own name, a CSV header the import accepts, an example map name in a template. */
const LITERALS = ["中文", "源值,目标值", "'仓库对照'"];
const CJK = /[\u3400-\u9fff]/;

describe("English catalog", () => {
  it("has no Chinese prose", () => {
    const chinese = Object.entries(MESSAGES.en)
      .filter(([, text]) => CJK.test(LITERALS.reduce((s, literal) => s.replaceAll(literal, ""), text)))
      .map(([key, text]) => `${key}: ${text}`);
    expect(chinese).toEqual([]);
  });
});
