// Where an attempt's time goes, accumulated per phase and logged with the run's last line (the
// benchmark and a person reading a slow run look there). Costs two clock reads per measured call.
//
// Besides the phases, `targetIdle`: the time between the attempt's first target call and its last
// during which no call was under way (a call waiting for a slot of the connection or for the rate
// limit is under way: it is timed as `write`). Near zero, the run waited on the target (more
// concurrent calls would help, if the target allows them); large, the target waited on the run: on
// the source, on staging, or on the write protocol's statements between two calls
// (docs/performance.md, session 13). And `targetSpan`: from the first call's start to the last call's
// end, so `targetSpan - targetIdle` is the time with a call under way; the run page shows that share
// (apps/web's run-timings).

/**
 * read: source calls · map: mapping and hashing · stage: staging upserts · write: target calls
 * (lookups included) · protocol: the write protocol's statements (pending records, marking
 * `sending`, recording outcomes) · journal: the run's counters (its log lines are stored in the
 * background, see ./journal.ts) · lookup: fetching what `lookup` / `erp_lookup` need (./lookups.ts).
 */
export const PHASES = ["read", "map", "stage", "write", "protocol", "journal", "lookup"] as const;
export type Phase = (typeof PHASES)[number];

/** What `totals()` answers: whole milliseconds per phase, `targetIdle` and `targetSpan` (see the file comment). */
export type PhaseTotals = Record<Phase | "targetIdle" | "targetSpan", number>;

export class PhaseClock {
  private readonly ms = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  /** Target calls in flight now. */
  private calls = 0;
  /** When the last call in flight ended (undefined before the first call, and while calls are in flight). */
  private callsEndedAt: number | undefined;
  private idleMs = 0;
  /** When the first call started (undefined before it). */
  private firstCallAt: number | undefined;

  /** `now`: the clock (milliseconds), replaceable in tests. */
  constructor(private readonly now: () => number = () => performance.now()) {}

  add(phase: Phase, ms: number): void {
    this.ms[phase] += ms;
  }

  async time<T>(phase: Phase, work: () => Promise<T>): Promise<T> {
    const started = this.now();
    if (phase === "write") this.callStarted(started);
    try {
      return await work();
    } finally {
      const ended = this.now();
      this.ms[phase] += ended - started;
      if (phase === "write") this.callEnded(ended);
    }
  }

  timeSync<T>(phase: Phase, work: () => T): T {
    const started = this.now();
    try {
      return work();
    } finally {
      this.ms[phase] += this.now() - started;
    }
  }

  private callStarted(at: number): void {
    this.firstCallAt ??= at;
    if (this.calls === 0 && this.callsEndedAt !== undefined) this.idleMs += at - this.callsEndedAt;
    this.calls++;
    this.callsEndedAt = undefined;
  }

  private callEnded(at: number): void {
    this.calls--;
    if (this.calls === 0) this.callsEndedAt = at;
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

  /**
   * Whole milliseconds per phase, the target's idle time between calls, and the span from the first
   * call's start to the last call's end (to now while a call is under way; 0 before any call).
   */
  totals(): PhaseTotals {
    const totals = Object.fromEntries(PHASES.map((p) => [p, Math.round(this.ms[p])])) as Record<Phase, number>;
    const spanEnd = this.calls > 0 ? this.now() : this.callsEndedAt;
    const targetSpan = this.firstCallAt === undefined || spanEnd === undefined ? 0 : spanEnd - this.firstCallAt;
    return { ...totals, targetIdle: Math.round(this.idleMs), targetSpan: Math.round(targetSpan) };
  }
}
