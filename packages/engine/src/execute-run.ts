// One attempt at a run: claim it, compile its scheme version, then read → stage → write (manual and
// scheduled runs; records are written while the read goes on), the first page only (test runs) or
// the failed records (retry runs). Calling it again on an interrupted run resumes from staging; on
// a finished run it does nothing.
import { claimRun, finishRun, isDatabaseUnavailable, requeueRun, type RunModel as Run } from "@qiao/db";
import type { EngineContext } from "./context";
import { AttemptSuperseded, describeError } from "./failure";
import { RunJournal } from "./journal";
import { loadRun } from "./load-run";
import { readSource } from "./read-phase";
import { prepareRetry } from "./retry-run";
import { RunScope, type PhaseEnd } from "./scope";
import { PhaseClock } from "./timings";
import { executeTestRun } from "./test-run";
import { writePending } from "./write-phase";

/**
 * LAST_SYNC_TIME is the cursor minus this overlap: whether the source's window bounds are
 * inclusive is not published, clocks drift, and a record can commit after the time it carries
 * (shared/protocols/guanyi.md). Records read twice are unchanged in staging and skipped.
 */
export const READ_WINDOW_OVERLAP_MS = 60_000;

export type RunOutcome =
  /** The run ended (succeeded, partial, failed or cancelled). */
  | { kind: "finished"; run: Run }
  /** Shutting down: the run stopped at a batch boundary and is queued again, to be resumed. */
  | { kind: "handed-back"; runId: string }
  /** Another worker took the run over (this attempt's job had stalled); this one stopped. */
  | { kind: "superseded"; runId: string }
  /** Nothing to do: the run is already finished, or does not exist. */
  | { kind: "not-runnable"; run: Run | null };

async function runPhases(x: RunScope): Promise<PhaseEnd> {
  const { run } = x;
  switch (run.trigger) {
    case "test":
      return executeTestRun(x);
    case "retry":
      await prepareRetry(x);
      return writePending(x, true);
    case "manual":
    case "schedule": {
      if (run.phase === "queued" || run.phase === "reading") {
        // Writes as it reads; then what is still pending (left by earlier runs) is written too.
        const read = await readSource(x);
        if (read !== "done") return read;
        return writePending(x, false, false);
      }
      return writePending(x, false);
    }
  }
}

/**
 * Runs (or resumes) one attempt. Run-level failures end the run `failed`; when the database itself
 * is unavailable (connection killed, server restarting) it throws instead, leaving the run
 * `running` for the host to retry (the worker's job attempts).
 */
export async function executeRun(ctx: EngineContext, runId: string): Promise<RunOutcome> {
  const startedAt = Date.now();
  const claim = await claimRun(ctx.db, runId, ctx.now?.() ?? new Date(), READ_WINDOW_OVERLAP_MS);
  if (!claim.claimed) {
    if (claim.run?.status === "cancelled") return { kind: "finished", run: claim.run };
    return { kind: "not-runnable", run: claim.run };
  }
  const run = claim.run;
  const log = ctx.logger.child({ runId, schemeId: run.schemeId, trigger: run.trigger, attempt: run.attempt });
  const clock = new PhaseClock();
  const journal = new RunJournal(ctx.db, runId, log);
  if (run.attempt > 1) {
    await journal.info(`继续运行（第 ${run.attempt} 次尝试），从暂存数据接着处理`, `Resuming the run (attempt ${run.attempt}) from staging`, {
      phase: run.phase,
    });
  } else {
    await journal.info(`开始运行（方案第 ${run.schemeVersion} 版）`, `Run started (scheme version ${run.schemeVersion})`, {
      trigger: run.trigger,
      windowStart: run.windowStart,
      windowEnd: run.windowEnd,
    });
  }

  let end: PhaseEnd;
  try {
    const loaded = await loadRun(ctx, run, log);
    const scope = new RunScope(ctx, run, loaded.plan, loaded.source, loaded.target, journal, clock);
    end = await runPhases(scope);
  } catch (error) {
    if (error instanceof AttemptSuperseded) {
      log.warn({}, "another worker took this run over; stopping this attempt");
      await journal.flush().catch(() => undefined);
      return { kind: "superseded", runId };
    }
    if (isDatabaseUnavailable(error)) {
      // Nothing can be recorded now: the run stays `running` and the host retries the attempt,
      // which resumes from staging (records left `sending` are looked up before anything is resent).
      log.warn({ err: error }, "database unavailable: this attempt stops, the host retries it");
      throw error;
    }
    if (ctx.shouldStop?.()) {
      end = "stopped";
    } else {
      const { zh, en } = describeError(error);
      log.error({ err: error }, `run failed: ${en}`);
      await journal.error(`运行失败：${zh}`, `Run failed: ${en}`);
      await journal.flush();
      const finished = await finishRun(ctx.db, runId, run.attempt, { status: "failed", error: `${zh} / ${en}` });
      return finished ? { kind: "finished", run: finished } : { kind: "superseded", runId };
    }
  }

  if (end === "stopped") {
    await requeueRun(ctx.db, runId, run.attempt);
    await journal.info("工作进程正在停止：本批已完成，运行已交还队列，稍后继续", "Worker shutting down: the run stopped after its batch and was queued again");
    await journal.flush();
    return { kind: "handed-back", runId };
  }
  if (end === "cancelled") {
    await journal.warn("运行已取消：已完成的批次保留，其余记录留待下次运行", "Run cancelled: finished batches stay written, the rest waits for the next run");
    await journal.flush();
    const finished = await finishRun(ctx.db, runId, run.attempt, { status: "cancelled" });
    return finished ? { kind: "finished", run: finished } : { kind: "superseded", runId };
  }

  const counters = await ctx.db.run.findUniqueOrThrow({ where: { id: runId } });
  const status = counters.failed === 0 ? "succeeded" : counters.written > 0 ? "partial" : "failed";
  const error =
    status === "failed"
      ? `${counters.failed} 条记录全部写入失败，请查看失败记录的原因 / All ${counters.failed} records failed; see the failed records for the reasons`
      : null;
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  await journal[status === "succeeded" ? "info" : "warn"](
    `运行结束（${seconds} 秒）：读取 ${counters.fetched}，写入 ${counters.written}，跳过 ${counters.skipped}，失败 ${counters.failed}`,
    `Run finished (${seconds} s): ${counters.fetched} read, ${counters.written} written, ${counters.skipped} skipped, ${counters.failed} failed`,
    {
      status,
      fetched: counters.fetched,
      written: counters.written,
      skipped: counters.skipped,
      failed: counters.failed,
      // This attempt's milliseconds per phase (see ./timings.ts).
      timingsMs: { total: Date.now() - startedAt, ...clock.totals() },
    },
  );
  await journal.flush();
  const finished = await finishRun(ctx.db, runId, run.attempt, { status, error });
  return finished ? { kind: "finished", run: finished } : { kind: "superseded", runId };
}
