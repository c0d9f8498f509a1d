// A list's search box as a Prisma filter. Prisma's `contains` becomes `LIKE '%' || $1 || '%'` (ILIKE
// with mode "insensitive") without escaping the pattern, so a search for “a_b” would match “axb” and
// one for “50%” would match “500”: the text is escaped here, with Postgres's default escape `\`.

/** Matches the text that contains `text` as written, in any case. */
export function containsText(text: string): { contains: string; mode: "insensitive" } {
  return { contains: text.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" };
}
