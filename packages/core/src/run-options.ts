// Trigger-specific run options (Run.options), validated where a run is requested (@qiao/jobs) and
// again when it is executed (@qiao/engine). Here, not in the engine, so the web app can use them
// without bundling the engine.
import { z } from "zod";
import { en, zhCN } from "./zod-locales";

/** How a run was started (the database's RunTrigger enum; core imports no other package). */
export const RUN_TRIGGERS = ["manual", "schedule", "test", "retry", "dependency", "chain"] as const;
export type RunTrigger = (typeof RUN_TRIGGERS)[number];

export const TEST_RUN_LIMITS = { sampleSize: 100, writeCount: 100, defaultSampleSize: 10 } as const;

export const testRunOptionsSchema = z.object({
  /** How many source records (with their payloads) the result shows; default 10. */
  sampleSize: z.int().min(1).max(TEST_RUN_LIMITS.sampleSize).optional(),
  /** Write the first N records for real (through the normal write protocol); default 0. */
  writeCount: z.int().min(0).max(TEST_RUN_LIMITS.writeCount).optional(),
});

export const retryRunOptionsSchema = z.object({
  /** "run": the failed records of `retryOfId` (default when given); "scheme": every failed record. */
  scope: z.enum(["run", "scheme"]).optional(),
  /** Only these staged records (SourceRecord ids, as strings) among the failed ones. */
  sourceRecordIds: z.array(z.string().regex(/^\d{1,18}$/)).min(1).max(10_000).optional(),
  /** Only the dead letters (死信: transient failures whose retry schedule ran out) among them. */
  deadLetters: z.literal(true).optional(),
  /**
   * Requested by the retry policy's delayed job (issue #14): only transient failures whose
   * automatic retry is due, each counting a step of the schedule. Not offered to people.
   */
  automatic: z.literal(true).optional(),
});

export type TestRunOptions = z.output<typeof testRunOptionsSchema>;
export type RetryRunOptions = z.output<typeof retryRunOptionsSchema>;

const emptyOptions = z.object({});

export function runOptionsSchema(trigger: RunTrigger) {
  if (trigger === "test") return testRunOptionsSchema;
  if (trigger === "retry") return retryRunOptionsSchema;
  return emptyOptions;
}

/**
 * Validated options with neutral values dropped (writeCount 0 is stored as absent: the database
 * tells a test run that writes from one that does not by that key).
 */
export function normalizeRunOptions(trigger: RunTrigger, options: unknown): Record<string, unknown> {
  const parsed = runOptionsSchema(trigger).parse(options ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(parsed).filter(([k, v]) => v !== undefined && !(k === "writeCount" && v === 0)));
}

/** One refusal of run options: where (dotted), and why in zh-CN and in English. */
export interface RunOptionsIssue {
  path: string;
  message: string;
  messageEn: string;
}

/** Why `options` do not fit the trigger's options, issue for issue in both languages (none when they fit). */
export function runOptionsIssues(trigger: RunTrigger, options: unknown): RunOptionsIssue[] {
  const schema = runOptionsSchema(trigger);
  const zh = schema.safeParse(options ?? {}, { error: zhCN() });
  if (zh.success) return [];
  const english = schema.safeParse(options ?? {}, { error: en() });
  const enIssues = english.success ? [] : english.error.issues;
  return zh.error.issues.map((i, k) => ({ path: i.path.join("."), message: i.message, messageEn: enIssues[k]?.message ?? i.message }));
}
