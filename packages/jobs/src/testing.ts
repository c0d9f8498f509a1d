// Test support for the producer side and the worker: a fresh database with the simulators, and a
// runs queue under the test's own Redis prefix, closed and deleted together.
import { config, type Config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { openTestDb, simulate, type Simulated, type TestDb } from "@qiao/engine/testing";
import type { Queue } from "bullmq";
import { createRunQueue, deleteRedisPrefix } from "./queue";

export interface QueueTestBed {
  t: TestDb;
  sim: Simulated;
  cfg: Config;
  queue: Queue;
  close(): Promise<void>;
}

export async function openQueueTestBed(name: string, shops: number, more: { items?: number; deliveries?: number } = {}): Promise<QueueTestBed> {
  const t = await openTestDb(name);
  const sim = await simulate(t.db, { shops, ...more });
  const cfg = { ...config(), REDIS_PREFIX: testRedisPrefix(name) };
  const queue = createRunQueue(cfg);
  return {
    t,
    sim,
    cfg,
    queue,
    async close() {
      await queue.close();
      await sim.close();
      await t.close();
      await deleteRedisPrefix(cfg.REDIS_URL, cfg.REDIS_PREFIX);
    },
  };
}
