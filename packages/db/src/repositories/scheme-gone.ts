// A write of a scheme that was deleted meanwhile (two tabs, or two people: one saves, runs or
// reconciles it, the other deletes it). The write finds the row gone in its own statement (its lock
// answers nothing, or the foreign key of the row it inserts names no scheme) and says so with
// SchemeGoneError: the API answers the scheme's 404, not Prisma's P2025 / P2003 as a 500 (session 33's audit).
import { Prisma } from "../../generated/prisma/client";

/** The scheme does not exist (any more): deleted after the caller read it. */
export class SchemeGoneError extends Error {
  override name = "SchemeGoneError";
  constructor(readonly schemeId: string) {
    super(`scheme ${schemeId} does not exist (deleted meanwhile)`);
  }
}

/** Whether `error` is Prisma's refusal of a row whose foreign key `constraint` names a row that does not exist (P2003). */
export function isForeignKeyViolation(error: unknown, constraint: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2003") return false;
  return JSON.stringify(error.meta ?? {}).includes(constraint);
}
