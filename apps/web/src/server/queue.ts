// The BullMQ producer side of the web process: one queue connection, opened on first use (never
// while `next build` collects page data). Runs are started only through @qiao/jobs.
import { config } from "@qiao/db";
import { createRunQueue } from "@qiao/jobs";

type RunQueue = ReturnType<typeof createRunQueue>;
const g = globalThis as unknown as { qiaoRunQueue?: RunQueue };

export function runQueue(): RunQueue {
  if (!g.qiaoRunQueue) {
    const queue = createRunQueue(config());
    // Without a listener an 'error' event (Redis unreachable) would crash the web process; requests
    // that need the queue report it themselves, and a run left queued is enqueued by the reconciler.
    queue.on("error", (error) => console.error(`[queue] Redis: ${error.message}`));
    g.qiaoRunQueue = queue;
  }
  return g.qiaoRunQueue;
}
