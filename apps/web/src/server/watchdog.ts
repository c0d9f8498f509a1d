// The web app's watch over the workers. Alerts are sent by the workers' maintenance tick, so with
// every worker down nothing said so: the `no_worker` rule only spoke while one worker still ran
// (docs/alerts.md). The web app runs whether or not a worker does: once a minute, while no worker
// has a live heartbeat, it evaluates the `no_worker` rules itself (alive = 0; the rule's grace of two
// ticks and its once-per-shortfall condition as the workers apply them) and sends the digests whose
// window ended, which no worker is left to send. While any worker is alive it does nothing: their
// tick does both. Several web processes, or a worker coming back mid-tick, agree through the rate
// window's row lock and the digests' leases, as two workers do.
import { checkWorkersAlive, flushAlertDigests, type AlertDeps, type ChannelResult } from "@qiao/alerts";
import { clockFrom } from "@qiao/core";
import { aliveWorkers } from "@qiao/jobs";
import type { Queue } from "bullmq";

/** How often the web app looks (the workers' maintenance tick is once a minute too). */
export const WATCHDOG_INTERVAL_MS = 60_000;

/**
 * One look: null while a worker is alive (nothing done); else what the channels answered (empty
 * when nothing was due: the shortfall's first look only starts its grace).
 */
export async function watchWorkers(deps: AlertDeps, queue: Queue, now = new Date()): Promise<ChannelResult[] | null> {
  if ((await aliveWorkers(queue)).length > 0) return null;
  const at = clockFrom(now);
  const results = await checkWorkersAlive(deps, 0, at());
  results.push(...(await flushAlertDigests(deps, at())));
  return results;
}

export interface WatchdogLog {
  warn(obj: object, msg: string): void;
}

/**
 * Looks every WATCHDOG_INTERVAL_MS until the returned function is called; a look still going when
 * the next is due is not doubled. Failures (Redis or Postgres down) are logged and tried again at
 * the next look; a channel's failure is recorded on the channel, as by the workers.
 */
export function startWatchdog(deps: () => AlertDeps, queue: () => Queue, log: WatchdogLog, intervalMs = WATCHDOG_INTERVAL_MS): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    watchWorkers(deps(), queue())
      .then((results) => {
        for (const r of results ?? []) if (!r.ok) log.warn({ channelId: r.channelId, error: r.error }, "an alert channel failed");
      })
      .catch((error: unknown) => log.warn({ err: error }, "the watch over the workers failed; trying again in a minute"))
      .finally(() => {
        busy = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
