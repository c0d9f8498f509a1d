// The pure part of `npm run bench -- --schemes K` (src/schemes.ts): how the 管易云 dataset is split
// into one modify_date window per scheme, and what the runs say about the schedule's ticks
// (missed, duplicated, tick → start latency). Tested in schemes-ticks.test.ts.

/** A shop as the windows need it: its code (the 金蝶 FNumber) and modify_date (Beijing text, sortable). */
export interface WindowShop {
  code: string;
  modifyDate: string;
}

/** One scheme's read window: `modify_start_date` … `modify_end_date` (both inclusive) and the shops in it. */
export interface ShopWindow {
  from: string;
  to: string;
  codes: string[];
}

/**
 * Splits shops sorted by (modify_date, id) into `count` windows of about `size` consecutive shops.
 * The source's bounds are whole seconds and inclusive, so a boundary never falls between two shops
 * of the same second (it moves forward until the second changes): the windows are disjoint, and a
 * window may hold a shop or two more than `size`. Throws if there are too few shops.
 */
export function partitionWindows(sorted: WindowShop[], count: number, size: number): ShopWindow[] {
  const windows: ShopWindow[] = [];
  let start = 0;
  for (let i = 0; i < count; i++) {
    if (start >= sorted.length) throw new Error(`only ${sorted.length} shops for ${count} windows of ${size}`);
    let end = i === count - 1 ? sorted.length : Math.min(sorted.length, start + size);
    while (end < sorted.length && sorted[end]!.modifyDate === sorted[end - 1]!.modifyDate) end++;
    const slice = sorted.slice(start, end);
    windows.push({ from: slice[0]!.modifyDate, to: slice[slice.length - 1]!.modifyDate, codes: slice.map((s) => s.code) });
    start = end;
  }
  return windows;
}

/** A scheduled run as the analysis needs it (times in epoch ms). */
export interface TickRun {
  schemeId: string;
  /** The cron slot the tick was for (from the run's idempotency key), or null if not a tick's run. */
  slotMs: number | null;
  createdMs: number;
  startedMs: number | null;
  status: string;
}

/**
 * The slot a scheduled run was for. A tick requests its run with idempotency key
 * `schedule:<tick job id>`, scoped `system:<scheme id>:…` by createRun, and a BullMQ job scheduler's
 * job id is `repeat:<scheduler id>:<slot ms>` (the scheduler id is the scheme id).
 */
export function slotOfKey(idempotencyKey: string | null): number | null {
  const m = idempotencyKey ? /:schedule:repeat:[^:]+:(\d+)$/.exec(idempotencyKey) : null;
  return m ? Number(m[1]) : null;
}

/** Cron slots of a once-a-minute schedule in [fromMs, toMs]: every whole minute. */
export function minuteSlots(fromMs: number, toMs: number): number[] {
  const slots: number[] = [];
  for (let t = Math.ceil(fromMs / 60_000) * 60_000; t <= toMs; t += 60_000) slots.push(t);
  return slots;
}

export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least p % of the values at or below it.
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export interface TickAnalysis {
  ticks_expected: number;
  /** (scheme, slot) pairs with at least one run. */
  ticks_run: number;
  missed: number;
  /** Runs beyond the first for one (scheme, slot). */
  duplicate_runs: number;
  /** Scheduled runs for slots outside the expected ones (e.g. one fired while schedules were switched off). */
  outside: number;
  /** Runs that did not succeed. */
  not_succeeded: number;
  /** Slot → run start (the worker's claim), and slot → run row created (the tick's requestRun). */
  tick_to_start_ms: { p50: number | null; p95: number | null; max: number | null };
  tick_to_queued_ms: { p50: number | null; p95: number | null; max: number | null };
  /** The same, without the first slot (which writes every scheme's shops at once). */
  steady_tick_to_start_ms: { p50: number | null; p95: number | null; max: number | null };
  /** Per slot: runs, p95 slot → start. */
  per_slot: { slot: string; runs: number; p95_start_ms: number | null }[];
}

const stats = (v: number[]) => ({ p50: percentile(v, 50), p95: percentile(v, 95), max: v.length ? Math.max(...v) : null });

/** Every scheme must have exactly one run per expected slot. */
export function analyseTicks(runs: TickRun[], schemeIds: string[], slots: number[]): TickAnalysis {
  const expected = new Set(slots);
  const byPair = new Map<string, TickRun[]>();
  let outside = 0;
  for (const run of runs) {
    if (run.slotMs === null) continue;
    if (!expected.has(run.slotMs)) {
      outside++;
      continue;
    }
    const key = `${run.schemeId}@${run.slotMs}`;
    byPair.set(key, [...(byPair.get(key) ?? []), run]);
  }
  let ticksRun = 0;
  let duplicates = 0;
  let notSucceeded = 0;
  const start: number[] = [];
  const queued: number[] = [];
  const steady: number[] = [];
  const perSlot = new Map<number, number[]>(slots.map((s) => [s, []]));
  for (const schemeId of schemeIds) {
    for (const slot of slots) {
      const pair = byPair.get(`${schemeId}@${slot}`) ?? [];
      if (pair.length === 0) continue;
      ticksRun++;
      duplicates += pair.length - 1;
      const first = pair.reduce((a, b) => (a.createdMs <= b.createdMs ? a : b));
      if (first.status !== "succeeded") notSucceeded++;
      queued.push(first.createdMs - slot);
      if (first.startedMs === null) continue;
      start.push(first.startedMs - slot);
      perSlot.get(slot)!.push(first.startedMs - slot);
      if (slot !== slots[0]) steady.push(first.startedMs - slot);
    }
  }
  const expectedCount = schemeIds.length * slots.length;
  return {
    ticks_expected: expectedCount,
    ticks_run: ticksRun,
    missed: expectedCount - ticksRun,
    duplicate_runs: duplicates,
    outside,
    not_succeeded: notSucceeded,
    tick_to_start_ms: stats(start),
    tick_to_queued_ms: stats(queued),
    steady_tick_to_start_ms: stats(steady),
    per_slot: [...perSlot].map(([slot, v]) => ({ slot: new Date(slot).toISOString(), runs: v.length, p95_start_ms: percentile(v, 95) })),
  };
}

/** Bytes a day at the rate measured between two samples. */
export function perDay(bytesBefore: number, bytesAfter: number, msBetween: number): number {
  return msBetween > 0 ? Math.round(((bytesAfter - bytesBefore) / msBetween) * 86_400_000) : 0;
}
