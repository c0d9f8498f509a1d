/**
 * What 金蝶's database counts as the same number: its uniqueness check and its lookups by number
 * run in SQL Server, whose collation for Chinese (Chinese_PRC_CI_AS, the usual one) ignores case,
 * width (全角 / 半角) and trailing spaces. That the 金蝶 accounts use it is assumed, not published
 * (docs/decisions.md, session 24). So: NFKC (full-width to half-width), trailing spaces dropped,
 * ASCII letters upper-cased. Used where we match numbers as 金蝶 would: the number claims
 * (@qiao/db numberClaimKey) and the rows a lookup by number returns (@qiao/connectors lookUp).
 */
export function targetNumberKey(number: string): string {
  return number
    .normalize("NFKC")
    .replace(/ +$/, "")
    .replace(/[a-z]+/g, (letters) => letters.toUpperCase());
}
