// The idempotency key of a request that creates something (a run, a reconciliation): a body field,
// or the Idempotency-Key header (src/server/api.ts, idempotencyKeyOf), checked alike.
import { z } from "zod";

/** A key used before returns what it created instead of starting another. */
export const idempotencyKeySchema = z.string().min(1).max(200);
