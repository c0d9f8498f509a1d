// What several domains' schemas share (./schemas.ts re-exports okSchema only): times as ISO-8601
// strings (UTC), uuids, and the answer of a route that has nothing else to say.
import { z } from "zod";

export const isoTime = z.iso.datetime();
export const uuid = z.uuid();

export const okSchema = z.object({ ok: z.literal(true) });

/**
 * A staging id (a bigint, travelling as a decimal string). A refinement, not `.regex`: its issue keeps
 * the English text in params (a regex issue drops params, and an English page read "Not a valid regex").
 */
export const recordId = z.string().refine((v) => /^\d{1,18}$/.test(v), { message: "应为数字 id", params: { messageEn: "Must be a numeric id" } });
