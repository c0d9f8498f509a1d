// The producer side, used by the web app and by schedule ticks: write the Run row first (the
// database is the truth, and refuses a second active run of a scheme), then enqueue its id.
import { message, normalizeRunOptions, render, runOptionsIssues, type Message, type RunOptionsIssue } from "@qiao/core";
import { createRun, type Db, type RunModel as Run, type RunTrigger } from "@qiao/db";
import type { Queue } from "bullmq";
import { z } from "zod";
import type { JobsLogger } from "./logger";
import { enqueueRun } from "./queue";

/**
 * A run request that cannot be honoured as asked (unknown scheme or run, invalid options): `text` and
 * each issue say why in both languages (the API answers in the caller's); the error's own message is English.
 */
export class RunRequestError extends Error {
  override name = "RunRequestError";
  constructor(
    readonly code: "not_found" | "invalid",
    readonly text: Message,
    readonly issues: RunOptionsIssue[] = [],
  ) {
    super(render(text, "en"));
  }
}

export interface RequestRunInput {
  schemeId: string;
  trigger: RunTrigger;
  createdById?: string | null;
  /** Retry: the run whose failed records to retry (or options.scope "scheme" for all of them). */
  retryOfId?: string | null;
  options?: Record<string, unknown>;
  /** A repeated request with the same key returns the first run instead of creating another. */
  idempotencyKey?: string | null;
  /** The run that caused this one (run-after chains, dependency releases): linked in the history. */
  triggeredById?: string | null;
  /**
   * The scheme as the caller just read it (a schedule tick reads it to check its schedule): not
   * looked up again. 200 schemes ticking together make 200 of these at once.
   */
  scheme?: { id: string; currentVersion: number };
}

/** If Redis does not take the job quickly, the reconciler enqueues the (saved) run later. */
const ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * Creates a queued run and enqueues it. Throws SchemeBusyError when the scheme already has an
 * active run, RunRequestError for an unknown scheme / retried run or invalid options.
 */
export async function requestRun(db: Db, queue: Queue, input: RequestRunInput, log?: JobsLogger): Promise<Run> {
  const scheme =
    input.scheme?.id === input.schemeId
      ? input.scheme
      : await db.scheme.findUnique({ where: { id: input.schemeId }, select: { id: true, currentVersion: true } });
  if (!scheme) throw new RunRequestError("not_found", message("run.requestSchemeMissing", { schemeId: input.schemeId }));

  let options: Record<string, unknown>;
  try {
    options = normalizeRunOptions(input.trigger, input.options ?? {});
  } catch (error) {
    if (!(error instanceof z.ZodError)) throw error;
    throw new RunRequestError("invalid", message("run.requestInvalidOptions"), runOptionsIssues(input.trigger, input.options ?? {}));
  }
  if (input.trigger === "retry") {
    if (input.retryOfId) {
      // Said, not inferred from retry_of_id: a run deleted by retention while its retry is under way
      // sets that to null (ON DELETE SET NULL), and the retry must then fail, not widen to the
      // whole scheme's failed records (retry-run.ts; session 31's audit).
      options = { ...options, scope: options.scope ?? "run" };
      const retried = await db.run.findUnique({ where: { id: input.retryOfId }, select: { schemeId: true } });
      if (!retried || retried.schemeId !== input.schemeId) {
        throw new RunRequestError("not_found", message("run.requestRunMissing", { runId: input.retryOfId }));
      }
    } else if (options.scope !== "scheme") {
      throw new RunRequestError("invalid", message("run.requestRetryWithoutRun"));
    }
  }

  const run = await createRun(db, {
    schemeId: input.schemeId,
    schemeVersion: scheme.currentVersion,
    trigger: input.trigger,
    options,
    retryOfId: input.retryOfId ?? null,
    createdById: input.createdById ?? null,
    idempotencyKey: input.idempotencyKey ?? null,
    triggeredById: input.triggeredById ?? null,
  });
  if (run.status !== "queued") return run;
  await enqueueSoon(() => enqueueRun(queue, run.id), { runId: run.id }, log);
  return run;
}

/**
 * Enqueues a job whose row is saved, waiting at most ENQUEUE_TIMEOUT_MS: a job Redis did not take
 * is enqueued later by the reconciler (runs) or the maintenance step (reconciliations).
 */
export async function enqueueSoon(enqueue: () => Promise<void>, ids: Record<string, string>, log?: JobsLogger): Promise<void> {
  try {
    await Promise.race([
      enqueue(),
      new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer from Redis in ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS).unref()),
    ]);
  } catch (error) {
    log?.warn({ ...ids, err: error }, "could not enqueue the job; it is enqueued later, once Redis answers");
  }
}
