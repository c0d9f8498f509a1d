// Worker heartbeats: each worker process keeps one Redis key alive (`<prefix>:qiao:worker:<id>`,
// refreshed every HEARTBEAT_MS, expiring after WORKER_BEAT_TTL_MS), so the overview, the metrics
// and the "no worker alive" alert can list the workers alive without a table of their own: a
// worker that died simply stops being listed once its key expires.
import type { Queue } from "bullmq";
import { z } from "zod";

export const HEARTBEAT_MS = 10_000;
/** A worker silent for this long is no longer alive (three missed beats). */
export const WORKER_BEAT_TTL_MS = 3 * HEARTBEAT_MS;

export const workerBeatSchema = z.object({
  id: z.string().min(1),
  host: z.string(),
  pid: z.number().int(),
  version: z.string(),
  startedAt: z.iso.datetime(),
  beatAt: z.iso.datetime(),
  /** The runs the worker is executing right now. */
  runs: z.array(z.string()),
});
export type WorkerBeat = z.infer<typeof workerBeatSchema>;

/** Where Qiao keeps a kind of per-process value in the queue's Redis (`<prefix>:qiao:<kind>:`). */
export function processKeyPrefix(queue: Queue, kind: "worker" | "metrics"): string {
  return `${queue.opts.prefix ?? "bull"}:qiao:${kind}:`;
}

const keyPrefix = (queue: Queue) => processKeyPrefix(queue, "worker");

/** The values of every key under `prefix` that has not expired (a key may expire between the SCAN and its GET). */
export async function valuesUnder(queue: Queue, prefix: string): Promise<string[]> {
  const client = await queue.getBackend().client;
  const keys: string[] = [];
  let cursor = "0";
  do {
    const [next, found] = await client.scan(cursor, { MATCH: `${prefix}*`, COUNT: 200 });
    cursor = next;
    keys.push(...found);
  } while (cursor !== "0");
  const values: string[] = [];
  // A handful of processes: one GET each.
  for (const key of new Set(keys)) {
    const value = await client.get(key);
    if (value) values.push(value);
  }
  return values;
}

/** Records (or refreshes) a worker's heartbeat. */
export async function beat(queue: Queue, worker: WorkerBeat): Promise<void> {
  const client = await queue.getBackend().client;
  await client.set(keyPrefix(queue) + worker.id, JSON.stringify(workerBeatSchema.parse(worker)), { PX: WORKER_BEAT_TTL_MS });
}

/** Removes a worker's heartbeat (it stopped cleanly). */
export async function forgetWorker(queue: Queue, id: string): Promise<void> {
  const client = await queue.getBackend().client;
  await client.del(keyPrefix(queue) + id);
}

/** The workers whose heartbeat has not expired, oldest first (then by id). */
export async function aliveWorkers(queue: Queue): Promise<WorkerBeat[]> {
  const beats: WorkerBeat[] = [];
  for (const value of await valuesUnder(queue, keyPrefix(queue))) {
    const parsed = workerBeatSchema.safeParse(JSON.parse(value));
    if (parsed.success) beats.push(parsed.data);
  }
  return beats.sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id));
}
