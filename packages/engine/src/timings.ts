// Where an attempt's time goes, accumulated per phase and logged with the run's last line (the
// benchmark and a person reading a slow run look there). Costs two clock reads per measured call.

/**
 * read: source calls · map: mapping and hashing · stage: staging upserts · write: target calls
 * (lookups included) · protocol: the write protocol's statements (pending records, marking
 * `sending`, recording outcomes) · journal: the run's counters (its log lines are stored in the
 * background, see ./journal.ts) · lookup: fetching what `lookup` / `erp_lookup` need (./lookups.ts).
 */
export const PHASES = ["read", "map", "stage", "write", "protocol", "journal", "lookup"] as const;
export type Phase = (typeof PHASES)[number];

export class PhaseClock {
  private readonly ms = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;

  add(phase: Phase, ms: number): void {
    this.ms[phase] += ms;
  }

  async time<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await work();
    } finally {
      this.ms[phase] += performance.now() - started;
    }
  }

  timeSync<T>(phase: Phase, work: () => T): T {
    const started = performance.now();
    try {
      return work();
    } finally {
      this.ms[phase] += performance.now() - started;
    }
  }

  /** Each page of `pages` is timed as `phase` while it is awaited (not while the consumer works). */
  async *pages<T>(phase: Phase, pages: AsyncIterable<T>): AsyncGenerator<T> {
    const it = pages[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await this.time(phase, () => it.next());
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await it.return?.();
    }
  }

  /** Whole milliseconds per phase. */
  totals(): Record<Phase, number> {
    return Object.fromEntries(PHASES.map((p) => [p, Math.round(this.ms[p])])) as Record<Phase, number>;
  }
}
