// What several domains' schemas share (./schemas.ts re-exports okSchema only): times as ISO-8601
// strings (UTC), uuids, and the answer of a route that has nothing else to say.
import { z } from "zod";

/** The first instant Postgres has: it has no year 0 (JavaScript's Date and zod's format do). */
const FIRST_INSTANT = Date.parse("0001-01-01T00:00:00Z");

/**
 * An instant, UTC. Year 0000 is refused: a time a request gives reaches SQL, which has no year 0
 * ("date/time field value out of range": a 500; session 33's audit). A string that is not an ISO
 * time is left to the format's own issue (zod goes on checking after it).
 */
export const isoTime = z.iso
  .datetime()
  .refine((t) => !(Date.parse(t) < FIRST_INSTANT), { message: "时间应在公元 1 年及以后", params: { messageEn: "Must be in year 1 or later" } });
export const uuid = z.uuid();

export const okSchema = z.object({ ok: z.literal(true) });

/**
 * A staging id (a bigint, travelling as a decimal string). A refinement, not `.regex`: its issue keeps
 * the English text in params (a regex issue drops params, and an English page read "Not a valid regex").
 */
export const recordId = z.string().refine((v) => /^\d{1,18}$/.test(v), { message: "应为数字 id", params: { messageEn: "Must be a numeric id" } });
