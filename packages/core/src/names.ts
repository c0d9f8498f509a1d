// Names people give (schemes, connections, value maps, alert channels and rules, users, API tokens)
// are read in lists and told apart by eye: none may hold a character that is not seen but changes
// how the name, or the text after it, reads (session 36's audit: "发票" + U+202E + "fdp.exe" shows
// as "发票exe.pdf"). Record data and templates keep them: there they are the data's own.
import type { z } from "zod";

/**
 * Bidirectional controls (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069) and zero-width
 * characters (U+200B–U+200D, U+2060, U+FEFF).
 */
const HIDDEN_IN_NAMES = /[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]/;

/** Why `name` cannot be a name for a hidden character in it, in both languages; undefined when it can. */
export function hiddenCharacterIssue(name: string): { message: string; messageEn: string } | undefined {
  const found = HIDDEN_IN_NAMES.exec(name);
  if (!found) return undefined;
  const code = `U+${found[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  return {
    message: `名称不能包含看不见的字符或文字方向控制字符（此处有 ${code}，它会改变名称在列表中的显示）：请删除后再保存`,
    messageEn: `A name cannot contain invisible or text-direction control characters (it has ${code}, which changes how the name shows in a list): remove it and save again`,
  };
}

/** The check of every name field: `z.string()…superRefine(refuseHiddenCharacters)`. */
export function refuseHiddenCharacters(name: string, ctx: z.RefinementCtx<string>): void {
  const issue = hiddenCharacterIssue(name);
  if (issue) ctx.addIssue({ code: "custom", message: issue.message, params: { messageEn: issue.messageEn } });
}
