// Runs as the API shows them: the row's counters and timings, the scheme's name, and for the run
// page a records-per-second series from the run's counter changes (run_write_stats).
import { render, storedMessage, type Locale } from "@qiao/core";
import { findRunWithSchemeName, runWriteSeries, type Db, type RunModel as Run, type RunWithSchemeName } from "@qiao/db";
import type { RunDetailDto, RunDto } from "@/lib/api/schemas";
import { notFound } from "./errors";
import { runTimings } from "./run-timings";

type RunRow = RunWithSchemeName;

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** A run's error in the reader's language (rows from before error messages have their zh-CN text). */
function runError(row: Run, locale: Locale): string | null {
  const stored = storedMessage(row.errorMessage);
  return stored ? render(stored, locale) : row.error;
}

/**
 * A run log line's text in the reader's language: lines carry their message in `data.message`;
 * older lines have their zh-CN text and, in `data.messageEn`, their English one.
 */
export function runLogText(line: { message: string; data: unknown }, locale: Locale): string {
  const data = (line.data ?? {}) as { message?: unknown; messageEn?: unknown };
  const stored = storedMessage(data.message);
  if (stored) return render(stored, locale);
  return locale === "en" && typeof data.messageEn === "string" ? data.messageEn : line.message;
}

export function runDto(row: RunRow, locale: Locale, now = Date.now()): RunDto {
  const end = row.finishedAt?.getTime() ?? (row.status === "running" ? now : null);
  return {
    id: row.id,
    schemeId: row.schemeId,
    schemeName: row.scheme.name,
    schemeVersion: row.schemeVersion,
    trigger: row.trigger,
    status: row.status,
    phase: row.phase,
    total: row.total,
    fetched: row.fetched,
    written: row.written,
    skipped: row.skipped,
    failed: row.failed,
    unknown: row.unknown,
    saved: row.saved,
    waitingUntil: iso(row.waitingUntil),
    error: runError(row, locale),
    retryOfId: row.retryOfId,
    waiting: row.waiting,
    filtered: row.filtered,
    stale: row.stale,
    triggeredById: row.triggeredById,
    cancelRequested: row.cancelRequested,
    attempt: row.attempt,
    options: (row.options ?? {}) as Record<string, unknown>,
    createdAt: row.createdAt.toISOString(),
    startedAt: iso(row.startedAt),
    finishedAt: iso(row.finishedAt),
    durationMs: row.startedAt && end !== null ? Math.max(0, end - row.startedAt.getTime()) : null,
  };
}

export async function findRun(db: Db, id: string): Promise<RunRow> {
  const row = await findRunWithSchemeName(db, id);
  if (!row) throw notFound("运行记录");
  return row;
}

/** About 60 points whatever the run's length: the bucket grows with the duration. */
function bucketSeconds(row: Run): number {
  if (!row.startedAt) return 1;
  const end = row.finishedAt?.getTime() ?? Date.now();
  return Math.max(1, Math.ceil((end - row.startedAt.getTime()) / 1000 / 60));
}

export async function runDetail(db: Db, row: RunRow, locale: Locale): Promise<RunDetailDto> {
  const bucket = bucketSeconds(row);
  // From run_write_stats (a row per change of the run's written / failed counters, kept for this
  // chart): a page polled while a large run goes on reads a few hundred small rows, not its
  // RunRecords or its log.
  const rows = await runWriteSeries(db, row.id, bucket);
  // A dense series from the run's start to its end (or now), zeros where nothing was written.
  const byBucket = new Map(rows.map((r) => [r.t, r]));
  const first = row.startedAt ? Math.floor(row.startedAt.getTime() / 1000 / bucket) * bucket : rows[0]?.t;
  const last = Math.max(Math.floor((row.finishedAt?.getTime() ?? Date.now()) / 1000 / bucket) * bucket, rows.at(-1)?.t ?? 0);
  const throughput = [];
  if (first !== undefined && rows.length > 0) {
    for (let t = first; t <= last && throughput.length < 500; t += bucket) {
      const r = byBucket.get(t);
      throughput.push({ at: new Date(t * 1000).toISOString(), written: (r?.written ?? 0) / bucket, failed: (r?.failed ?? 0) / bucket });
    }
  }
  return { ...runDto(row, locale), result: row.result ?? null, bucketSeconds: bucket, throughput, timings: await runTimings(db, row) };
}

/** Waits until the run is finished or `ms` passed; answers the run as it is then. */
export async function waitForRun(db: Db, id: string, ms: number): Promise<RunRow> {
  const deadline = Date.now() + ms;
  for (;;) {
    const row = await findRun(db, id);
    if ((row.status !== "queued" && row.status !== "running") || Date.now() >= deadline) return row;
    await new Promise((r) => setTimeout(r, 250));
  }
}
