// What several domains' schemas share (./schemas.ts re-exports okSchema only): times as ISO-8601
// strings (UTC), uuids, and the answer of a route that has nothing else to say.
import { z } from "zod";

export const isoTime = z.iso.datetime();
export const uuid = z.uuid();

export const okSchema = z.object({ ok: z.literal(true) });
