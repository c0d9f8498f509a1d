// Retry: the failed records of one run (or of the whole scheme) are mapped again from their staged
// data with the run's (current) scheme version and handed to the write phase; the source is not read.
// An automatic retry (the retry policy's delayed job, issue #14) takes only the transient failures
// that are due, and each counts a step of the schedule; any other retry starts the schedule over.
import { DEFAULT_RETRY_BACKOFF_MS, message, render, retryRunOptionsSchema, schemeDefinitionSchema, type Message } from "@qiao/core";
import { assignFailedToRun, failedRecords, failUnsentAutomaticRetries, findSchemeDefinition, restoreUnsentRetries, type RunModel as Run } from "@qiao/db";
import type { EngineContext } from "./context";
import { RunFailure } from "./failure";
import type { RunJournal } from "./journal";
import { payloadHash } from "./hash";
import type { RunScope } from "./scope";

const CHUNK = 500;
export const DUE_SLACK_MS = 1_000;

export async function prepareRetry(x: RunScope): Promise<number> {
  const { run } = x;
  const options = retryRunOptionsSchema.parse(run.options ?? {});
  const scope = options.scope ?? (run.retryOfId ? "run" : "scheme");
  if (scope === "run" && !run.retryOfId) {
    throw new RunFailure(message("run.retryWithoutRun"));
  }
  const vars = x.vars();
  // An automatic retry takes what is due when it starts (its delayed job fired then); a second of
  // slack for the clocks of Redis and Postgres.
  const dueBy = options.automatic ? new Date(Date.now() + DUE_SLACK_MS) : undefined;
  let afterId = 0n;
  let prepared = 0;
  for (;;) {
    const rows = await failedRecords(x.db, {
      schemeId: run.schemeId,
      retryOfId: scope === "run" ? run.retryOfId : null,
      ...(options.sourceRecordIds && { onlyIds: options.sourceRecordIds.map(BigInt) }),
      ...(options.deadLetters && { only: "dead" as const }),
      ...(dueBy && { dueBy }),
      excludeRunId: run.id,
      afterId,
      limit: CHUNK,
    });
    if (rows.length === 0) break;
    afterId = rows[rows.length - 1]!.id;
    await x.warm(rows.map((r) => r.data), vars);
    const records = rows.map((row) => {
      const { payload, errors } = x.map(row.data, vars);
      return { id: row.id, hash: payloadHash(payload, errors) };
    });
    prepared += await assignFailedToRun(x.db, { schemeId: run.schemeId, runId: run.id, records, automatic: options.automatic ?? false });
  }
  if (run.total === null || prepared > 0) await x.progress({ phase: "writing", total: (run.total ?? 0) + prepared });
  await x.journal.info(
    message("retry.prepared", { scope, retryOfId: run.retryOfId, prepared, version: run.schemeVersion }),
    { scope, retryOfId: run.retryOfId, prepared },
  );
  return prepared;
}

/**
 * A retry run that ends early (cancelled, or failed as a run: `failure`) and did not send every
 * record it took. One someone asked for puts them back as they were (restoreUnsentRetries): failed,
 * in the list, not sent by the scheme's next run unasked. An automatic one fails them again as
 * transient, the step it counted kept, so they are due after the schedule's next step or are dead
 * letters, each with a RunRecord of this run saying why (failUnsentAutomaticRetries): put back as
 * they were, their passed due time would start another retry within the minute while 金蝶 is down,
 * and left pending they would leave the failed records' list and never be retried automatically.
 * `backoffMs`: the scheme's schedule when the run got as far as compiling it, else read here.
 */
export async function endRetryEarly(
  ctx: EngineContext,
  run: Run,
  journal: RunJournal,
  end: { failure: Message | null; backoffMs?: readonly number[] },
): Promise<void> {
  if (run.trigger !== "retry") return;
  const ref = { schemeId: run.schemeId, runId: run.id, attempt: run.attempt };
  if (!retryRunOptionsSchema.parse(run.options ?? {}).automatic) {
    const restored = await restoreUnsentRetries(ctx.db, ref);
    if (restored > 0) await journal.info(message("retry.restored", { restored }), { restored });
    return;
  }
  const backoffMs = end.backoffMs ?? (await schemeBackoff(ctx, run));
  const error = end.failure
    ? `自动重试运行失败，未发送：${render(end.failure, "zh-CN")} / The automatic retry run failed before sending it: ${render(end.failure, "en")}`
    : "自动重试运行已取消，未发送 / The automatic retry run was cancelled before sending it";
  const { failed, deadLettered } = await failUnsentAutomaticRetries(ctx.db, { ...ref, backoffMs, error });
  if (failed > 0) await journal.warn(message("retry.unsentFailed", { failed, deadLettered }), { failed, deadLettered });
}

/** The run's scheme version's retry schedule (the default when it cannot be read). */
async function schemeBackoff(ctx: EngineContext, run: Run): Promise<readonly number[]> {
  const saved = await findSchemeDefinition(ctx.db, run.schemeId, run.schemeVersion).catch(() => null);
  const parsed = saved ? schemeDefinitionSchema.safeParse(saved.definition) : undefined;
  return parsed?.success ? parsed.data.retry.backoffMs : DEFAULT_RETRY_BACKOFF_MS;
}
