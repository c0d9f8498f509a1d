// A job's payload checked with its zod schema: a bad one fails the job for good (retrying it cannot help).
import { UnrecoverableError } from "bullmq";
import type { z } from "zod";

export function parse<T>(schema: z.ZodType<T>, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new UnrecoverableError(`invalid job payload: ${parsed.error.message}`);
  return parsed.data;
}
