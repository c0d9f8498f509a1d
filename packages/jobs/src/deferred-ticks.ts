// A cron tick that finds its scheme busy. Skipped when the active run reads the source (manual,
// schedule, chain): that run does the tick's work. Deferred when it does not (a release of records
// waiting for another scheme, a retry, a test run that writes): the tick's read is owed, and it was
// dropped for good until session 30's audit (the nightly sync skipped that night, nothing ran it
// later). The debt is a row in Postgres (deferred_ticks), so a worker restart does not lose it; the
// end of the busy run (a worker follow-up) and the maintenance sweep request the tick's run, with the
// tick's own idempotency key, so however many of them try it runs once.
import { message } from "@qiao/core";
import { appendRunLog, deferredTicks, deferTick, forgetDeferredTick, readsSource, SchemeBusyError, type Db } from "@qiao/db";
import type { Queue } from "bullmq";
import type { JobsLogger } from "./logger";
import { requestRun } from "./request-run";

/** The worker's logger (pino) fits it: what becomes of a tick is worth an info line. */
export interface TickLogger extends JobsLogger {
  info(details: Record<string, unknown>, message: string): void;
}

/**
 * What a tick whose run met SchemeBusyError does: "skipped" (the active run reads the source) or
 * "deferred" (its run is owed once the scheme is free; requested at once if the busy run has ended
 * meanwhile). Either way the active run's log says so.
 */
export async function tickMetBusyScheme(
  db: Db,
  queue: Queue,
  input: { schemeId: string; idempotencyKey: string; busy: SchemeBusyError },
  log: TickLogger,
): Promise<"skipped" | "deferred"> {
  const active = input.busy.activeRun;
  if (active && readsSource(active.trigger)) {
    log.info({ schemeId: input.schemeId, activeRunId: active.id }, "schedule tick skipped: the scheme has an active run that reads the source");
    await appendRunLog(db, active.id, { level: "info", message: message("run.tickSkipped") });
    return "skipped";
  }
  // No active run found: it ended between the refusal and the look; its trigger is unknown, and a
  // read too many reads nothing twice, a read too few loses the tick's.
  await deferTick(db, { schemeId: input.schemeId, idempotencyKey: input.idempotencyKey, busyRunId: active?.id ?? null });
  log.info({ schemeId: input.schemeId, activeRunId: active?.id ?? null, activeTrigger: active?.trigger ?? null }, "schedule tick deferred: the scheme's active run does not read the source");
  if (active) {
    await appendRunLog(db, active.id, { level: "info", message: message("run.tickSkipped") });
    await appendRunLog(db, active.id, { level: "info", message: message("run.tickDeferred") });
  }
  // The busy run may have ended before the row was written, its follow-up finding nothing.
  await requestDeferredTicks(db, queue, log, input.schemeId);
  return "deferred";
}

/**
 * Requests the run of each deferred tick (of `schemeId`, else all) whose scheme is free, and forgets
 * those no longer owed: the schedule was switched off, or a run that reads the source was created
 * since (it did the tick's work). The tick's own run, created by a caller that died before forgetting
 * the tick, is requested again (its idempotency key returns it) and the tick forgotten then.
 * One still busy (another run that reads nothing) waits for the end of that run. Returns how many
 * runs it requested.
 */
export async function requestDeferredTicks(db: Db, queue: Queue, log: TickLogger, schemeId?: string): Promise<number> {
  let requested = 0;
  for (const tick of await deferredTicks(db, schemeId)) {
    const ids = { schemeId: tick.schemeId, tick: tick.idempotencyKey };
    if (!tick.scheduleOn || tick.covered) {
      await forgetDeferredTick(db, tick.schemeId, tick.idempotencyKey);
      log.info({ ...ids, scheduleOn: tick.scheduleOn }, tick.covered ? "deferred tick forgotten: a run that reads the source did its work" : "deferred tick forgotten: the schedule is switched off");
      continue;
    }
    try {
      const run = await requestRun(
        db,
        queue,
        { schemeId: tick.schemeId, trigger: "schedule", idempotencyKey: tick.idempotencyKey, scheme: { id: tick.schemeId, currentVersion: tick.currentVersion } },
        log,
      );
      // The run's own log says why it started late (its trigger says schedule, its time does not).
      if (await forgetDeferredTick(db, tick.schemeId, tick.idempotencyKey)) {
        await appendRunLog(db, run.id, { level: "info", message: message("run.tickWasDeferred", { at: tick.deferredAt.toISOString(), busyRunId: tick.busyRunId ?? "" }) });
      }
      requested++;
      log.info({ ...ids, runId: run.id }, "deferred schedule tick: its run is requested now that the scheme is free");
    } catch (error) {
      if (!(error instanceof SchemeBusyError)) throw error;
      if (error.activeRun && readsSource(error.activeRun.trigger)) await forgetDeferredTick(db, tick.schemeId, tick.idempotencyKey);
    }
  }
  return requested;
}
