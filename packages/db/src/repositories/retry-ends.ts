// A retry run that ends before it sent every failed record it took (assignFailedToRun in
// ./staging.ts): cancelled, failed as a run, abandoned by the worker, or cancelled while queued
// after a hand-back. What it took and did not send is put back (a retry someone asked for) or
// failed once more (an automatic one): docs/retry-policy.md, "How a record moves". An automatic
// retry also counts the step it would have counted on the due records it did not take (cancelled
// while still queued, or failed before it took them: failDueAutomaticRetries).
import { DEFAULT_RETRY_BACKOFF_MS, message, render, retryRunOptionsSchema, schemeDefinitionSchema, type Message } from "@qiao/core";
import { Prisma, type Run } from "../../generated/prisma/client";
import type { RunLogLine } from "./run-progress";
import { findSchemeDefinition } from "./schemes";

/** The client, or a transaction's (cancelRun ends a queued retry in the transaction that cancels it). */
type Tx = Prisma.TransactionClient;

/**
 * What a retry run that ends early (`failure`: why it failed; null when cancelled) does with the
 * records it took and did not send: one someone asked for puts them back as they were
 * (restoreUnsentRetries); an automatic one fails them again (failUnsentAutomaticRetries), with the
 * scheme's schedule (`backoffMs`, read from the run's scheme version when not given). A retry that
 * ended before any attempt (`attempt` 0: cancelled while queued, or given up before a worker took
 * it) took nothing: one someone asked for leaves the records as they are. An automatic one also
 * moves the transient failures that are due and that it did not take (all of them before an
 * attempt; in an attempt that failed before prepareRetry took them, or between its chunks) to the
 * schedule's next step (failDueAutomaticRetries), or they would start another automatic retry
 * within the minute (session 32). Fenced by the run's attempt; does nothing for other runs, or
 * twice. Returns the run log's line about it.
 */
export async function endRetryEarly(
  db: Tx,
  run: Pick<Run, "id" | "schemeId" | "schemeVersion" | "attempt" | "trigger" | "options">,
  end: { failure: Message | null; backoffMs?: readonly number[] },
): Promise<RunLogLine | null> {
  if (run.trigger !== "retry") return null;
  const automatic = retryRunOptionsSchema.parse(run.options ?? {}).automatic ?? false;
  const ref = { schemeId: run.schemeId, runId: run.id, attempt: run.attempt };
  if (!automatic) {
    if (run.attempt === 0) return null;
    const restored = await restoreUnsentRetries(db, ref);
    return restored > 0 ? { level: "info", message: message("retry.restored", { restored }), data: { restored } } : null;
  }
  const backoffMs = end.backoffMs ?? (await schemeBackoff(db, run));
  const error = end.failure
    ? `自动重试运行失败，未发送：${render(end.failure, "zh-CN")} / The automatic retry run failed before sending it: ${render(end.failure, "en")}`
    : "自动重试运行已取消，未发送 / The automatic retry run was cancelled before sending it";
  const input = { ...ref, backoffMs, error };
  // What it took and did not send (none before an attempt), then the due failures it did not take:
  // a retry that failed before it took them (its secrets unreadable, a lookup down while warming)
  // counts its step on them too, or the next would be queued within the minute (session 32).
  const taken = run.attempt === 0 ? { failed: 0, deadLettered: 0 } : await failUnsentAutomaticRetries(db, input);
  const due = await failDueAutomaticRetries(db, input);
  const failed = taken.failed + due.failed;
  const deadLettered = taken.deadLettered + due.deadLettered;
  return failed > 0 ? { level: "warn", message: message("retry.unsentFailed", { failed, deadLettered }), data: { failed, deadLettered } } : null;
}

/** The run's scheme version's retry schedule (the default when it cannot be read). */
async function schemeBackoff(db: Tx, run: Pick<Run, "schemeId" | "schemeVersion">): Promise<readonly number[]> {
  const saved = await findSchemeDefinition(db, run.schemeId, run.schemeVersion).catch(() => null);
  const parsed = saved ? schemeDefinitionSchema.safeParse(saved.definition) : undefined;
  return parsed?.success ? parsed.data.retry.backoffMs : DEFAULT_RETRY_BACKOFF_MS;
}

/**
 * Puts back the records a retry run took (assignFailedToRun) and did not send, as they were before
 * it took them: a retry that was cancelled or failed as a run leaves them failed (or saved) with
 * their reason, their run, their place in the retry schedule and their dead-letter mark, in the
 * failed records' list, instead of pending for the scheme's next run to send unasked (with their
 * error class: what an automatic retry takes). A saved bill
 * the retry audited has a RunRecord of the retry, and is left as the audit made it. Returns how many.
 * Done by the attempt that owns the run only.
 */
export async function restoreUnsentRetries(db: Tx, input: { schemeId: string; runId: string; attempt: number }): Promise<number> {
  return db.$executeRaw`
    UPDATE source_records s SET
      status = (s.retry_prior->>'status')::record_status,
      payload_hash = s.retry_prior->>'payload_hash',
      mapped_with = s.retry_prior->>'mapped_with',
      last_error = s.retry_prior->>'last_error',
      last_run_id = (s.retry_prior->>'last_run_id')::uuid,
      retry_step = (s.retry_prior->>'retry_step')::int,
      retry_at = (s.retry_prior->>'retry_at')::timestamptz,
      dead_at = (s.retry_prior->>'dead_at')::timestamptz,
      -- Its class too: an unknown answer in the retry cleared it, and a transient failure put back
      -- without it has a retry_at no automatic retry takes (session 23). A prior taken before the
      -- class was kept leaves the record's.
      error_class = CASE WHEN s.retry_prior ? 'error_class' THEN (s.retry_prior->>'error_class')::error_class ELSE s.error_class END,
      retry_prior = NULL,
      updated_at = ${new Date()}::timestamp
    WHERE s.scheme_id = ${input.schemeId}::uuid AND s.last_run_id = ${input.runId}::uuid AND s.retry_prior IS NOT NULL
      AND (s.status = 'pending'
        OR (s.status = 'saved' AND NOT EXISTS (SELECT 1 FROM run_records r WHERE r.run_id = ${input.runId}::uuid AND r.source_record_id = s.id)))
      -- Only by the attempt that owns the run (another that took it over goes on sending them).
      AND EXISTS (SELECT 1 FROM runs WHERE id = ${input.runId}::uuid AND attempt = ${input.attempt})`;
}

/**
 * The records an automatic retry (the retry policy's) took and did not send, when it ends early
 * (cancelled, or failed as a run: 金蝶 down): failed again, transient, as if 金蝶 had failed them
 * once more. The step the retry counted when it took them stays counted, so the next is due after
 * the schedule's next step (`retry_at`), or, past the last, they are dead letters (`dead_at`), never
 * due again at once (put back as they were, their passed due time would start another automatic
 * retry within the minute, and while 金蝶 is down a failed retry run a minute would follow). Each
 * gets a RunRecord of this run with `error` (its payload the one its last failure showed), and the
 * run's failed counter counts them: the run's follow-up schedules the next retry and announces the
 * dead letters (countDeadLetteredByRun), as for records 金蝶 failed. Done by the attempt that owns
 * the run only.
 */
export async function failUnsentAutomaticRetries(db: Tx, input: AutomaticRetryEnd): Promise<{ failed: number; deadLettered: number }> {
  const now = new Date();
  const steps = input.backoffMs.map(Math.round);
  const [row] = await db.$queryRaw<{ failed: number; dead: number }[]>`
    WITH updated AS (
      UPDATE source_records s SET
        status = 'failed',
        payload_hash = s.retry_prior->>'payload_hash',
        mapped_with = s.retry_prior->>'mapped_with',
        last_error = ${input.error},
        error_class = 'transient',
        retry_at = CASE WHEN s.retry_step < cardinality(${steps}::int[])
          THEN now() + (${steps}::int[])[s.retry_step + 1] * interval '1 millisecond' END,
        dead_at = CASE WHEN s.retry_step >= cardinality(${steps}::int[]) THEN now() END,
        retry_prior = NULL,
        updated_at = ${now}::timestamp
      FROM source_records o
      WHERE o.id = s.id AND s.scheme_id = ${input.schemeId}::uuid AND s.last_run_id = ${input.runId}::uuid
        AND s.retry_prior IS NOT NULL AND s.status = 'pending'
        AND EXISTS (SELECT 1 FROM runs WHERE id = ${input.runId}::uuid AND attempt = ${input.attempt})
      -- \`o\`: the row before this statement, for the run that failed it last.
      RETURNING s.id, s.source_id, s.dead_at IS NOT NULL AS dead, (o.retry_prior->>'last_run_id')::uuid AS prior_run
    ), ${recordedAndCounted(input, now)}
    SELECT count(*)::int AS failed, count(*) FILTER (WHERE dead)::int AS dead FROM updated`;
  return { failed: row?.failed ?? 0, deadLettered: row?.dead ?? 0 };
}

/**
 * An automatic retry that ended before it took the due records (cancelled while still queued, given
 * up by the host before a worker took it, or ended in an attempt before prepareRetry took them: its
 * target's secrets unreadable, a lookup failing while warming a chunk, a cancel): the scheme's
 * transient failures that are due, which it would have taken (prepareRetry in @qiao/engine), count
 * the step it would have counted and are failed again as failUnsentAutomaticRetries fails what a
 * running one took: due after the schedule's next step, or dead letters past its last, each with a
 * RunRecord of this run, counted in its failed counter, and now naming it as the run that failed
 * them last (so its follow-up schedules the next retry and announces the dead letters). Left as they
 * were, due since before the end, the once-a-minute restore-retries step would queue another
 * automatic retry at once: a cancel would not stick (session 18), and a retry that fails at its start
 * would fail again every minute, its records never reaching the dead letters (session 32). Not the
 * records this run failed itself (taken: their step is counted). Only by the attempt that owns the
 * run, or for a run that ended with no attempt (none can take records later), and only while no
 * other run of the scheme that stages or sends records is active: its records are its own. An
 * attempt that stops because the database is unavailable does not end the run (the host retries
 * it): nothing is counted until the run ends.
 */
export async function failDueAutomaticRetries(db: Tx, input: AutomaticRetryEnd): Promise<{ failed: number; deadLettered: number }> {
  const now = new Date();
  const steps = input.backoffMs.map(Math.round);
  const [row] = await db.$queryRaw<{ failed: number; dead: number }[]>`
    WITH updated AS (
      UPDATE source_records s SET
        last_error = ${input.error},
        retry_step = s.retry_step + 1,
        retry_at = CASE WHEN s.retry_step + 1 < cardinality(${steps}::int[])
          THEN now() + (${steps}::int[])[s.retry_step + 2] * interval '1 millisecond' END,
        dead_at = CASE WHEN s.retry_step + 1 >= cardinality(${steps}::int[]) THEN now() END,
        last_run_id = ${input.runId}::uuid,
        retry_prior = NULL,
        updated_at = ${now}::timestamp
      FROM source_records o
      WHERE o.id = s.id AND s.scheme_id = ${input.schemeId}::uuid
        -- What an automatic retry takes (failedRecords' dueBy, with prepareRetry's second of slack).
        AND s.status = 'failed' AND s.error_class = 'transient' AND s.retry_at <= now() + interval '1 second'
        -- Not what this run failed itself: what it took (failUnsentAutomaticRetries, or an answer of
        -- 金蝶 in it) counted its step already, and a second call finds its own records.
        AND s.last_run_id IS DISTINCT FROM ${input.runId}::uuid
        -- By the attempt that owns the run; a run with no attempt only once it ended (none can take
        -- records later).
        AND EXISTS (SELECT 1 FROM runs WHERE id = ${input.runId}::uuid AND attempt = ${input.attempt}
          AND (attempt > 0 OR status NOT IN ('queued', 'running')))
        -- Another active run that stages or sends (the runs_one_active_per_scheme index's) owns them.
        AND NOT EXISTS (
          SELECT 1 FROM runs a
          WHERE a.scheme_id = ${input.schemeId}::uuid AND a.id <> ${input.runId}::uuid AND a.status IN ('queued', 'running')
            AND (a.trigger <> 'test' OR COALESCE(a.options->>'writeCount', '0') <> '0'))
      -- \`o\`: the row before this statement, for the run that failed it last.
      RETURNING s.id, s.source_id, s.dead_at IS NOT NULL AS dead, o.last_run_id AS prior_run
    ), ${recordedAndCounted(input, now)}
    SELECT count(*)::int AS failed, count(*) FILTER (WHERE dead)::int AS dead FROM updated`;
  return { failed: row?.failed ?? 0, deadLettered: row?.dead ?? 0 };
}

interface AutomaticRetryEnd {
  schemeId: string;
  runId: string;
  attempt: number;
  backoffMs: readonly number[];
  error: string;
}

/**
 * The CTEs after `updated` (the records failed again, with the run that failed them before as
 * `prior_run`): a RunRecord of this run for each, with the payload its last failure showed, and the
 * run's failed counter.
 */
function recordedAndCounted(input: AutomaticRetryEnd, now: Date): Prisma.Sql {
  return Prisma.sql`recorded AS (
      INSERT INTO run_records (run_id, source_record_id, source_id, status, error, error_class, payload, created_at, updated_at)
      SELECT ${input.runId}::uuid, u.id, u.source_id, 'failed', ${input.error}, 'transient',
        COALESCE((SELECT r.payload FROM run_records r WHERE r.run_id = u.prior_run AND r.source_record_id = u.id), '{}'::jsonb),
        ${now}::timestamp, ${now}::timestamp
      FROM updated u
      -- Sent earlier in this run, found absent by a lookup and pending again: its last outcome is this.
      ON CONFLICT (run_id, source_record_id) DO UPDATE SET
        status = 'failed', error = EXCLUDED.error, error_field = NULL, error_class = 'transient', response = NULL,
        batch_id = NULL, target_id = NULL, target_number = NULL, updated_at = EXCLUDED.updated_at
    ), counted AS (
      UPDATE runs SET failed = failed + (SELECT count(*) FROM updated)::int, updated_at = ${now}::timestamp
      WHERE id = ${input.runId}::uuid AND EXISTS (SELECT 1 FROM updated)
    )`;
}
