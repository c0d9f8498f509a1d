// Runs: the row is the truth about a run (the queue only delivers its id). Creation enforces one
// active run per scheme (partial unique index `runs_one_active_per_scheme`); workers claim and
// finish runs here, and report on them while they hold them in ./run-progress.ts.
import { Prisma } from "../../generated/prisma/client";
import type { RunStatus, RunTrigger } from "../../generated/prisma/enums";
import type { Run } from "../../generated/prisma/client";
import { message, render, type Message } from "@qiao/core";
import type { Db } from "../client";
import { endRetryEarly } from "./retry-ends";
import { appendRunLog, type RunLogLine } from "./run-progress";
import { isForeignKeyViolation, SchemeGoneError } from "./scheme-gone";

/** The statuses of a run that is not finished. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ["queued", "running"];

/** A run was requested while the scheme already has one queued or running. */
export class SchemeBusyError extends Error {
  override name = "SchemeBusyError";
  /** What to tell the person who asked for the run. */
  readonly text: Message;
  constructor(
    readonly schemeId: string,
    readonly activeRun: Pick<Run, "id" | "status" | "trigger"> | null,
  ) {
    const text = message("run.schemeBusy", { runId: activeRun?.id ?? null, status: activeRun?.status ?? null });
    super(render(text, "en"));
    this.text = text;
  }
}

export interface CreateRunInput {
  schemeId: string;
  schemeVersion: number;
  trigger: RunTrigger;
  options?: Record<string, unknown>;
  retryOfId?: string | null;
  createdById?: string | null;
  idempotencyKey?: string | null;
  /** The run that caused this one (a run-after predecessor, or the dependency run that released it). */
  triggeredById?: string | null;
}

export function isUniqueViolation(error: unknown, index: string): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError) || error.code !== "P2002") return false;
  return JSON.stringify(error.meta ?? {}).includes(index);
}

export async function findActiveRun(db: Db, schemeId: string) {
  return db.run.findFirst({
    where: { schemeId, status: { in: [...ACTIVE_RUN_STATUSES] } },
    orderBy: { createdAt: "asc" },
    select: { id: true, status: true, trigger: true },
  });
}

/**
 * A client's idempotency key counts for its own user and scheme only: the same key from another
 * user, or for another scheme, is another request (and never returns someone else's run).
 */
function scopedIdempotencyKey(input: Pick<CreateRunInput, "schemeId" | "createdById" | "idempotencyKey">): string | null {
  if (!input.idempotencyKey) return null;
  return `${input.createdById ?? "system"}:${input.schemeId}:${input.idempotencyKey}`;
}

/** The run a repeated request (the same user, scheme and idempotency key) created before, if any. */
export async function findIdempotentRun(db: Db, input: Pick<CreateRunInput, "schemeId" | "createdById" | "idempotencyKey">): Promise<Run | null> {
  const key = scopedIdempotencyKey(input);
  return key ? db.run.findUnique({ where: { idempotencyKey: key } }) : null;
}

/**
 * Inserts a queued run. With an idempotency key this user used before for this scheme, returns that
 * run instead. Throws SchemeBusyError when the scheme already has an active run (test runs that
 * write nothing are exempt: they stage nothing), SchemeGoneError when the scheme was deleted since
 * the caller read it (the insert waits for the delete's lock on the row, then finds none).
 */
export async function createRun(db: Db, input: CreateRunInput): Promise<Run> {
  const idempotencyKey = scopedIdempotencyKey(input);
  // Inserted first, looked up only when that fails: a key is new nearly always (every schedule tick
  // has one), so a statement is saved on each, and a repeated request (the key's unique violation,
  // or the scheme's active run, which may be the key's own) still returns the first run.
  try {
    return await db.run.create({
      data: {
        schemeId: input.schemeId,
        schemeVersion: input.schemeVersion,
        trigger: input.trigger,
        options: (input.options ?? {}) as Prisma.InputJsonObject,
        retryOfId: input.retryOfId ?? null,
        createdById: input.createdById ?? null,
        idempotencyKey,
        triggeredById: input.triggeredById ?? null,
      },
    });
  } catch (error) {
    const busy = isUniqueViolation(error, "runs_one_active_per_scheme");
    if (idempotencyKey && (busy || isUniqueViolation(error, "idempotency_key"))) {
      const existing = await db.run.findUnique({ where: { idempotencyKey } });
      if (existing) return existing;
    }
    if (busy) throw new SchemeBusyError(input.schemeId, await findActiveRun(db, input.schemeId));
    if (isForeignKeyViolation(error, "runs_scheme_id_fkey")) throw new SchemeGoneError(input.schemeId);
    throw error;
  }
}

/** How long an attempt owns a run without renewing its lease (the worker uses its job lock's duration). */
export const DEFAULT_LEASE_MS = 30_000;

export type ClaimResult =
  | { claimed: true; run: Run }
  /** The run is finished (or was cancelled before it started): nothing to do. */
  | { claimed: false; run: Run | null };

/**
 * Marks a run `running` for one more attempt, with a lease of `leaseMs` that the attempt renews
 * (renewLease) while it works; at least as long as the lease the attempt before held, which may
 * still send what it marked until then (a worker with a longer lock: see parkSending). The first attempt fixes the read window:
 * `windowEnd` = `now` (CURRENT_TIME) and `windowStart` = the scheme's cursor minus
 * `overlapMs` (LAST_SYNC_TIME), so a resumed attempt evaluates the same templates. A run whose
 * cancellation was requested before it started is finished as cancelled here.
 *
 * `now` null (the engine): the database's clock, as leases are. The window's end becomes the
 * scheme's cursor, shared by every worker: taken from the claiming worker's own clock, a worker
 * running fast would move it past records the next run (on another worker) then never reads
 * (docs/decisions.md, session 18). A Date: that instant (tests, tools).
 */
export async function claimRun(db: Db, runId: string, now: Date | null, overlapMs = 0, leaseMs = DEFAULT_LEASE_MS): Promise<ClaimResult> {
  const claimed = await db.$executeRaw`
    UPDATE runs r SET
      status = 'running',
      attempt = r.attempt + 1,
      started_at = COALESCE(r.started_at, ${new Date()}::timestamp),
      window_start = CASE WHEN r.window_end IS NULL THEN (SELECT s.cursor - ${overlapMs} * interval '1 millisecond' FROM schemes s WHERE s.id = r.scheme_id) ELSE r.window_start END,
      window_end = COALESCE(r.window_end, ${now}::timestamp, now() AT TIME ZONE 'UTC'),
      error = NULL,
      -- Never shorter than the lease an attempt before held (a worker with a longer lock may have
      -- marked a batch under it and still send it): records parked by this attempt wait for it (parkSending).
      lease_until = GREATEST(r.lease_until, now() + ${leaseMs}::int * interval '1 millisecond'),
      waiting_until = NULL,
      updated_at = ${new Date()}::timestamp
    WHERE r.id = ${runId}::uuid AND r.status IN ('queued', 'running') AND NOT r.cancel_requested`;
  if (claimed === 1) return { claimed: true, run: await db.run.findUniqueOrThrow({ where: { id: runId } }) };
  const [cancelled] = await db.run.updateManyAndReturn({
    where: { id: runId, status: { in: [...ACTIVE_RUN_STATUSES] }, cancelRequested: true },
    // A run cancelled while it waited for unknown outcomes no longer waits (the run page showed 待确认).
    // The lease stays (see finishRun): parked rows of this run still wait for it.
    data: { status: "cancelled", phase: "done", finishedAt: new Date(), waitingUntil: null },
  });
  // A retry cancelled between two attempts (its last one handed it back, or died) ends as one
  // cancelled in an attempt does: what it took and did not send is put back.
  if (cancelled) await appendRunLog(db, runId, await endedEarly(db, cancelled));
  return { claimed: false, run: await db.run.findUnique({ where: { id: runId } }) };
}


/** A run's error: the message for readers in any language, its zh-CN text for SQL readers. */
function errorColumns(error: Message | null) {
  return error ? { error: render(error), errorMessage: error as Prisma.InputJsonValue } : { error: null, errorMessage: Prisma.DbNull };
}

export interface FinishRunInput {
  status: Extract<RunStatus, "succeeded" | "partial" | "failed" | "cancelled">;
  error?: Message | null;
  /**
   * Refused (null) when a cancellation was requested: the caller ends the run cancelled instead. In
   * the statement, not read before it: cancelRun flags the row it locks, so a cancel either commits
   * first (refused here) or finds the run ended.
   */
  unlessCancelled?: boolean;
}

/**
 * Finishes a run that is still running in this attempt. Returns null (and changes nothing) if
 * another attempt owns the run or it was finished meanwhile (or, with `unlessCancelled`, a
 * cancellation was requested).
 */
export async function finishRun(db: Db, runId: string, attempt: number, input: FinishRunInput): Promise<Run | null> {
  const { count } = await db.run.updateMany({
    where: { id: runId, status: "running", attempt, ...(input.unlessCancelled && { cancelRequested: false }) },
    data: {
      status: input.status,
      phase: "done",
      ...errorColumns(input.error ?? null),
      finishedAt: new Date(),
      // lease_until stays: the latest time an attempt of this run may still send a batch it marked
      // (a claim and each renewal only ever move it later). A mark that outlives the run's end (its
      // fence read before it) leaves rows the scheme's next run parks, and their lookup must wait
      // for it too (parkSending's afterLeaseMs), not only for the parker's own lease.
      waitingUntil: null,
    },
  });
  return count === 1 ? db.run.findUnique({ where: { id: runId } }) : null;
}

/**
 * Claims a finished run's follow-ups (the worker's FOLLOW_UPS: alerts, retries, dependents): true
 * for the first caller only, who runs them. A run's job may be delivered more than once (BullMQ
 * redelivers a stalled job; a cancelled run's claim answers "finished" every time), and its
 * follow-ups announce things (dead letters, a failed run) that must not be announced twice (session
 * 32). Once, not at least once: a worker that dies after its claim loses them, as it loses a
 * succeeded run's (whose job's next delivery finds nothing to do); the maintenance steps sweep up
 * what must not be lost. An active run's follow-ups are not claimed.
 */
export async function claimFollowUps(db: Db, runId: string): Promise<boolean> {
  const claimed = await db.$executeRaw`
    UPDATE runs SET follow_ups_at = now()
    WHERE id = ${runId}::uuid AND follow_ups_at IS NULL AND status NOT IN ('queued', 'running')`;
  return claimed === 1;
}

/** A graceful shutdown hands the run back: queued again, resumed by the next worker. */
export async function requeueRun(db: Db, runId: string, attempt: number): Promise<void> {
  // The lease stays (see finishRun): the next claim carries it over.
  await db.run.updateMany({ where: { id: runId, status: "running", attempt }, data: { status: "queued" } });
}

export async function saveRunResult(db: Db, runId: string, result: unknown): Promise<void> {
  await db.run.update({ where: { id: runId }, data: { result: result as Prisma.InputJsonValue } });
}

/**
 * Cancels a run: a queued run is cancelled at once; a running one is flagged and stops at the
 * next batch boundary. Returns the run as it is now (null if unknown).
 *
 * One transaction, the run's row locked first: a worker handing the run back (requeueRun: running
 * → queued) or claiming it waits for the cancel, which sees it either queued or running. Two bare
 * statements (cancel if queued, then flag if running) lost a cancel that came as a stopping worker
 * handed the run back between them (session 18). A queued retry ends early in the same
 * transaction (endRetryEarly): while its row is active no other run of the scheme can start (the
 * one-active index makes a new one wait for this commit), so none takes records meanwhile.
 */
export async function cancelRun(db: Db, runId: string): Promise<Run | null> {
  const { run, log } = await db.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT id FROM runs WHERE id = ${runId}::uuid FOR UPDATE`;
      const [cancelled] = await tx.run.updateManyAndReturn({
        where: { id: runId, status: "queued" },
        data: { status: "cancelled", phase: "done", cancelRequested: true, finishedAt: new Date() },
      });
      // A queued run may have had attempts (handed back by a worker that stopped): a retry's unsent
      // records are put back as when it is cancelled while running. One that never started: an
      // automatic retry's due records count the step it would have counted (endRetryEarly).
      const log = cancelled ? await endedEarly(tx, cancelled) : [];
      if (!cancelled) await tx.run.updateMany({ where: { id: runId, status: "running" }, data: { cancelRequested: true } });
      return { run: await tx.run.findUnique({ where: { id: runId } }), log };
    },
    // Ending a large retry early updates each of its records: not bounded by the default 5 s.
    { timeout: 10 * 60_000 },
  );
  await appendRunLog(db, runId, log);
  return run;
}

/**
 * A run cancelled outside an attempt: a retry's records (endRetryEarly). Returns the log's lines
 * about it: "已取消" and what was done with its records, for a run that had an attempt or whose
 * ending changed records (none for a run cancelled before it started that changed nothing).
 */
async function endedEarly(db: Prisma.TransactionClient, run: Run): Promise<RunLogLine[]> {
  const putBack = await endRetryEarly(db, run, { failure: null });
  if (run.attempt === 0 && !putBack) return [];
  return [{ level: "warn", message: message("run.cancelled") }, ...(putBack ? [putBack] : [])];
}

/**
 * Active runs not updated for `olderThanMs` (candidates for the worker's reconciler: their job may
 * have been lost, never enqueued, or failed while the run was running), oldest first, `limit` at a
 * time: the next page starts `after` the last run of the one before (keyset on created_at, id).
 */
export async function findStaleActiveRuns(db: Db, olderThanMs: number, page: { limit?: number; after?: { createdAt: Date; id: string } } = {}) {
  const { limit = 100, after } = page;
  return db.run.findMany({
    where: {
      status: { in: [...ACTIVE_RUN_STATUSES] },
      updatedAt: { lt: new Date(Date.now() - olderThanMs) },
      ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    take: limit,
    select: { id: true, schemeId: true, status: true, updatedAt: true, createdAt: true },
  });
}

/** A run as it is now, or null. */
export async function findRun(db: Db, runId: string): Promise<Run | null> {
  return db.run.findUnique({ where: { id: runId } });
}

/**
 * Marks a run failed if it is still active (e.g. its job exhausted its attempts). Returns the run
 * as this call failed it, or null when it had already ended: once failed, every statement of an
 * attempt is fenced (they need the run `running`).
 */
export async function failActiveRun(db: Db, runId: string, error: Message): Promise<Run | null> {
  const [run] = await db.run.updateManyAndReturn({
    where: { id: runId, status: { in: [...ACTIVE_RUN_STATUSES] } },
    data: { status: "failed", phase: "done", ...errorColumns(error), finishedAt: new Date() },
  });
  return run ?? null;
}
