// The BullMQ producer side of the web process: one queue connection, opened on first use (never
// while `next build` collects page data). Runs are started only through @qiao/worker's producer API.
import { config } from "@qiao/db";
import { createRunQueue } from "@qiao/worker";

type RunQueue = ReturnType<typeof createRunQueue>;
const g = globalThis as unknown as { qiaoRunQueue?: RunQueue };

export function runQueue(): RunQueue {
  g.qiaoRunQueue ??= createRunQueue(config());
  return g.qiaoRunQueue;
}
