// The deliveries of jobs in progress in this process, one entry per delivery. BullMQ may hand a job
// back to the same worker while its first delivery still runs (its lock lapsed: a Redis failover,
// the event loop blocked past the lock; the stalled-job check moved it back to waiting): two
// deliveries of one job id, and of one run. Entries keyed by job id or run id alone were shared, so
// the first delivery to end removed the second's: its lock-loss abort and its place in the
// heartbeat's `runs` were gone while it ran (session 34).

/** One delivery of a job: what the worker keeps of it while it is processed. */
export interface Delivery {
  /** Aborted when this delivery's job lock is lost (lockRenewalFailed, or a later delivery of its job began). */
  readonly lost: AbortSignal;
  /** Its attempt is over: it no longer counts among the heartbeat's runs nor watches its lock. */
  attemptOver(): void;
  /**
   * The delivery's processor is about to return: resolves once no later delivery of its job is in
   * progress here. BullMQ's lock renewal keys jobs by id too, and stops renewing the job's lock when
   * any delivery of it returns: a superseded delivery returning first left the live one's lock
   * unrenewed, to stall once more and be handed out again.
   */
  finish(): Promise<void>;
}

interface Entry {
  readonly seq: number;
  readonly jobId: string;
  readonly runId: string | undefined;
  readonly lost: AbortController;
  attempting: boolean;
  open: boolean;
  readonly closed: Promise<void>;
  close(): void;
}

export class Deliveries {
  private seq = 0;
  private readonly byJob = new Map<string, Entry[]>();

  /**
   * A delivery of job `jobId` (of run `runId`, for a run's job) begins. The job's earlier
   * deliveries still in progress here have lost its lock (BullMQ handed the job out again with a new
   * token): they are aborted, to stop before their next write (the engine's fence would stop them
   * there anyway, once this delivery claims the run).
   */
  begin(jobId: string, runId?: string): Delivery {
    const entries = this.byJob.get(jobId) ?? [];
    for (const earlier of entries) if (earlier.attempting) earlier.lost.abort();
    let close!: () => void;
    const closed = new Promise<void>((resolve) => {
      close = resolve;
    });
    const entry: Entry = { seq: ++this.seq, jobId, runId, lost: new AbortController(), attempting: true, open: true, closed, close };
    entries.push(entry);
    this.byJob.set(jobId, entries);
    return {
      lost: entry.lost.signal,
      attemptOver: () => {
        entry.attempting = false;
      },
      finish: async () => {
        entry.attempting = false;
        entry.open = false;
        entry.close();
        for (;;) {
          const later = (this.byJob.get(jobId) ?? []).filter((e) => e.seq > entry.seq && e.open);
          if (later.length === 0) break;
          await Promise.all(later.map((e) => e.closed));
        }
        this.forget(entry);
      },
    };
  }

  /** BullMQ could not renew these jobs' locks: every delivery of them still in its attempt stops. */
  lockLost(jobIds: readonly string[]): void {
    for (const id of jobIds) for (const entry of this.byJob.get(id) ?? []) if (entry.attempting) entry.lost.abort();
  }

  /** The runs with a delivery in its attempt here (the heartbeat's `runs`), each once. */
  runs(): string[] {
    const runs = new Set<string>();
    for (const entries of this.byJob.values()) for (const e of entries) if (e.attempting && e.runId !== undefined) runs.add(e.runId);
    return [...runs];
  }

  private forget(entry: Entry): void {
    const left = (this.byJob.get(entry.jobId) ?? []).filter((e) => e !== entry);
    if (left.length > 0) this.byJob.set(entry.jobId, left);
    else this.byJob.delete(entry.jobId);
  }
}
