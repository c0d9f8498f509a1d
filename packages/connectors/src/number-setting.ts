// Numeric connection settings (并发调用数, 金蝶's LCID) as they arrive: a JSON number from the API, or
// digits from a form or a stored value. Anything else (a boolean, other text) is refused by `schema`'s
// own type check: z.coerce.number() turned `true` into 1 and saved it (session 31's audit).
import { z } from "zod";

const DECIMAL = /^\s*-?\d+(\.\d+)?\s*$/;

/** `schema` (a z.number() with its checks) taking digits in a string as their number too. */
export function numberSetting<T extends z.ZodType<number, number>>(schema: T) {
  return z.preprocess((v) => (typeof v === "string" && DECIMAL.test(v) ? Number(v) : v), schema);
}
