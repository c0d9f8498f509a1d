// The soak's worker processes, as in production (`node apps/worker/dist/main.mjs`, built first), each
// in its own process group: killed (SIGKILL) or stopped (SIGTERM) at random and replaced.
import { spawnChild, type Child, type SpawnOptions } from "../processes";

export class WorkerPool {
  private started = 0;
  readonly live = new Set<Child>();
  readonly counts = { killed: 0, stopped: 0 };

  constructor(private readonly spawnOpts: SpawnOptions) {}

  async start(k: number): Promise<void> {
    const fresh: Child[] = [];
    for (let i = 0; i < k; i++) {
      const worker = spawnChild(`worker-${++this.started}`, process.execPath, ["apps/worker/dist/main.mjs"], this.spawnOpts);
      this.live.add(worker);
      fresh.push(worker);
      void worker.exited.then(() => this.live.delete(worker));
    }
    await Promise.all(fresh.map((w) => w.waitForLine(/worker ready, waiting for jobs/, 60_000)));
  }

  /** SIGKILL (a crash: its runs are taken over once their lock expires) or SIGTERM (graceful hand-back). */
  async stopOne(pick: (workers: Child[]) => Child, how: "SIGKILL" | "SIGTERM"): Promise<void> {
    const workers = [...this.live];
    if (workers.length === 0) return;
    const victim = pick(workers);
    this.live.delete(victim);
    if (how === "SIGKILL") {
      try {
        process.kill(-victim.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
      this.counts.killed++;
    } else {
      this.counts.stopped++;
    }
    await victim.stop(30_000);
  }

  /** Back to `k` live workers. */
  async refill(k: number): Promise<void> {
    if (this.live.size < k) await this.start(k - this.live.size);
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live].map((w) => w.stop(30_000)));
  }
}
