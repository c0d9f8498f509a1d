// One run through the REST API, measured: its timings from the API and its log (the engine's
// per-phase clock rides on the last line), the rows it left in Postgres, the workers' CPU.
import type { Child } from "./processes";
import type { CpuUse, PhaseTimings, RunMeasure } from "./report";
import type { CpuSnapshot, Stack } from "./stack";

const seconds = (from: string | null, to: string | null) => (from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : null);

function messageEn(data: unknown): string {
  const m = (data as { messageEn?: unknown } | null)?.messageEn;
  return typeof m === "string" ? m : "";
}

function timingsOf(data: unknown): PhaseTimings | null {
  const t = (data as { timingsMs?: PhaseTimings } | null)?.timingsMs;
  return t && typeof t.total === "number" ? t : null;
}

/** CPU seconds each part used between two snapshots (a backend that is new counts from zero). */
export function cpuUsed(before: CpuSnapshot, after: CpuSnapshot, workers: Child[]): CpuUse {
  let postgres = 0;
  for (const [pid, s] of after.postgres) postgres += s - (before.postgres.get(pid) ?? 0);
  return {
    workers: workers.map((w) => (after.workers.get(w.pid) ?? 0) - (before.workers.get(w.pid) ?? 0)),
    postgres,
    simulators: after.simulators - before.simulators,
    web: after.web - before.web,
  };
}

export async function measureRun(stack: Stack, input: { label: string; schemeId: string; workers: Child[]; timeoutMs: number }): Promise<RunMeasure> {
  const { api, db } = stack;
  const [walBefore] = await db.$queryRaw<{ lsn: string }[]>`SELECT pg_current_wal_insert_lsn()::text AS lsn`;
  const cpuBefore = await stack.cpu();
  const queued = await api.startRun(input.schemeId);
  const run = await api.waitForRun(queued.id, input.timeoutMs);
  const cpuS = cpuUsed(cpuBefore, await stack.cpu(), input.workers);
  const [wal] = await db.$queryRaw<{ bytes: number }[]>`SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${walBefore!.lsn}::pg_lsn)::float8 AS bytes`;
  const logs = await api.logs(run.id);
  // Run logs are a message code rendered per reader since issue #15: the API answers the text
  // (zh by default); older runs carried `messageEn` in their data.
  const readDone = logs.findLast((l) => /^(Read complete|读取完成)/.test(l.message) || messageEn(l.data).startsWith("Read complete"));
  const last = logs.findLast((l) => timingsOf(l.data) !== null);
  const [rows] = await db.$queryRaw<{ stagingInserted: number; stagingTouched: number; runRecords: number; runLogs: number }[]>`
    WITH r AS (SELECT scheme_id, started_at FROM runs WHERE id = ${run.id}::uuid)
    SELECT
      (SELECT count(*)::int FROM source_records s, r WHERE s.scheme_id = r.scheme_id AND s.created_at >= r.started_at) AS "stagingInserted",
      (SELECT count(*)::int FROM source_records s, r WHERE s.scheme_id = r.scheme_id AND s.updated_at >= r.started_at) AS "stagingTouched",
      (SELECT count(*)::int FROM run_outcomes WHERE run_id = ${run.id}::uuid) AS "runRecords",
      (SELECT count(*)::int FROM run_logs WHERE run_id = ${run.id}::uuid) AS "runLogs"`;
  return {
    label: input.label,
    runId: run.id,
    status: run.status,
    fetched: run.fetched,
    written: run.written,
    skipped: run.skipped,
    failed: run.failed,
    seconds: seconds(run.createdAt, run.finishedAt) ?? NaN,
    runSeconds: seconds(run.startedAt, run.finishedAt) ?? NaN,
    readPhaseS: readDone ? seconds(run.startedAt, readDone.at) : null,
    writePhaseS: readDone ? seconds(readDone.at, run.finishedAt) : null,
    timingsMs: last ? timingsOf(last.data) : null,
    rows: rows!,
    cpuS,
    walBytes: wal!.bytes,
  };
}
