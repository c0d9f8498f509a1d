// Retry: the failed records of one run (or of the whole scheme) are mapped again from their staged
// data with the run's (current) scheme version and handed to the write phase; the source is not read.
// An automatic retry (the retry policy's delayed job, issue #14) takes only the transient failures
// that are due, and each counts a step of the schedule; any other retry starts the schedule over.
import { message, retryRunOptionsSchema, type Message } from "@qiao/core";
import { assignFailedToRun, endRetryEarly as putBackUnsent, failedRecords, type RunModel as Run } from "@qiao/db";
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
    prepared += await assignFailedToRun(x.db, { schemeId: run.schemeId, runId: run.id, attempt: run.attempt, records, automatic: options.automatic ?? false });
  }
  if (run.total === null || prepared > 0) await x.progress({ phase: "writing", total: (run.total ?? 0) + prepared });
  await x.journal.info(
    message("retry.prepared", { scope, retryOfId: run.retryOfId, prepared, version: run.schemeVersion }),
    { scope, retryOfId: run.retryOfId, prepared },
  );
  return prepared;
}

/**
 * A retry run that ends early (cancelled, or failed as a run: `failure`): what it took and did not
 * send is put back or failed again, and an automatic one counts its step on the due records it did
 * not take (failed before prepareRetry took them: endRetryEarly in @qiao/db says how), with a line
 * in its log.
 * `backoffMs`: the scheme's schedule when the run got as far as compiling it.
 */
export async function endRetryEarly(
  ctx: EngineContext,
  run: Run,
  journal: RunJournal,
  end: { failure: Message | null; backoffMs?: readonly number[] },
): Promise<void> {
  const line = await putBackUnsent(ctx.db, run, end);
  if (line) await journal[line.level === "warn" ? "warn" : "info"](line.message, line.data);
}
