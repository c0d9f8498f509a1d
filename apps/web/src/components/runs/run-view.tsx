"use client";
// One run: progress (fetched / written / failed of total), phase, records per second, the log
// and the records table; retry the failed records or cancel while it runs.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "@/lib/api/client";
import type { RunDetailDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { TestResults } from "@/components/editor/test-results";
import { useCan } from "@/components/role";
import { isActive, RunStatusBadge } from "@/components/run-status";
import { Alert, Badge, Button, Card, Spinner } from "@/components/ui";
import { RunLog } from "./run-log";
import { RunRecords } from "./run-records";
import { RunTimings } from "./run-timings";
import { ThroughputChart } from "./throughput-chart";

function ProgressBar({ run }: { run: RunDetailDto }) {
  const t = useT();
  const fmt = useFormat();
  const total = run.total ?? 0;
  const base = Math.max(total, run.fetched, run.written + run.failed + run.skipped + run.filtered, 1);
  const pct = (n: number) => `${Math.min(100, (n / base) * 100)}%`;
  const done = run.written + run.failed + run.skipped + run.filtered;
  return (
    <div>
      <div className="mb-1.5 flex justify-between text-xs text-slate-500">
        <span>
          {t("run.fetched")} {fmt.number(run.fetched)} · {t("run.written")} {fmt.number(run.written)} · {t("run.failed")} {fmt.number(run.failed)} ·{" "}
          {t("run.skipped")} {fmt.number(run.skipped)}
          {run.filtered > 0 && (
            <>
              {" "}
              · {t("run.filtered")} {fmt.number(run.filtered)}
            </>
          )}
        </span>
        <span>
          {fmt.number(done)} / {run.total === null ? "?" : fmt.number(total)}
        </span>
      </div>
      <div
        className="relative h-3 overflow-hidden rounded-full bg-slate-100"
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={base}
        aria-valuenow={done}
        aria-label={t("run.progress")}
      >
        <div className="absolute inset-y-0 left-0 bg-sky-200" style={{ width: pct(run.fetched) }} />
        <div className="absolute inset-y-0 left-0 flex" style={{ width: pct(done) }}>
          <div className="h-full bg-emerald-500" style={{ width: `${(run.written / Math.max(done, 1)) * 100}%` }} />
          <div className="h-full bg-red-500" style={{ width: `${(run.failed / Math.max(done, 1)) * 100}%` }} />
          <div className="h-full bg-slate-300" style={{ width: `${(run.skipped / Math.max(done, 1)) * 100}%` }} />
          <div className="h-full bg-slate-400" style={{ width: `${(run.filtered / Math.max(done, 1)) * 100}%` }} />
        </div>
      </div>
    </div>
  );
}

function Stat({ label, value, tone, testId }: { label: string; value: string; tone?: string; testId?: string }) {
  return (
    <div className="rounded-lg bg-slate-50 px-4 py-3">
      <div className="text-xs text-slate-500">{label}</div>
      <div className={`mt-0.5 text-xl font-semibold tabular-nums ${tone ?? "text-slate-900"}`} data-testid={testId}>
        {value}
      </div>
    </div>
  );
}

export function RunView({ runId }: { runId: string }) {
  const t = useT();
  const canEdit = useCan("editor");
  const fmt = useFormat();
  const router = useRouter();
  const qc = useQueryClient();
  const [sample, setSample] = useState(0);
  const query = useQuery({
    queryKey: ["run", runId],
    queryFn: () => api.run(runId),
    refetchInterval: (q) => (q.state.data && !isActive(q.state.data.run.status) ? false : 1_000),
  });
  const retry = useMutation({
    mutationFn: (recordIds?: string[]) => api.retryRun(runId, recordIds),
    onSuccess: ({ run }) => router.push(`/runs/${run.id}`),
  });
  const cancel = useMutation({
    mutationFn: () => api.cancelRun(runId),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["run", runId] }),
  });

  if (query.error) return <Alert>{t("common.error", { message: query.error.message })}</Alert>;
  if (!query.data) {
    return (
      <p className="flex items-center gap-2 text-sm text-slate-500">
        <Spinner /> {t("common.loading")}
      </p>
    );
  }
  const run = query.data.run;
  const active = isActive(run.status);

  return (
    <section className="space-y-6" data-testid="run-view">
      <div className="flex flex-wrap items-start justify-between gap-4">
        <div>
          <div className="text-sm">
            <Link href={`/schemes/${run.schemeId}/runs`} className="text-brand-700 hover:underline">
              ← {run.schemeName}
            </Link>
          </div>
          <h1 className="mt-1 flex items-center gap-3 text-2xl font-semibold text-slate-900">
            {t("run.title")}
            <RunStatusBadge status={run.status} />
            <Badge>
              <span data-testid="run-trigger" data-trigger={run.trigger}>
                {t(`run.trigger.${run.trigger}`)}
              </span>
            </Badge>
          </h1>
          <p className="mt-1 font-mono text-xs text-slate-500">
            {run.id} · {t("run.version")} {run.schemeVersion}
            {run.retryOfId && (
              <>
                {" "}
                · {t("run.retryOf")}{" "}
                <Link className="text-brand-700 hover:underline" href={`/runs/${run.retryOfId}`}>
                  {run.retryOfId.slice(0, 8)}
                </Link>
              </>
            )}
            {run.triggeredById && (
              <>
                {" "}
                · {t("run.triggeredBy")}{" "}
                <Link className="text-brand-700 hover:underline" href={`/runs/${run.triggeredById}`} data-testid="run-triggered-by">
                  {run.triggeredById.slice(0, 8)}
                </Link>
              </>
            )}
          </p>
        </div>
        <div className="flex gap-2">
          {canEdit && active && (
            <Button variant="danger" onClick={() => cancel.mutate()} busy={cancel.isPending} disabled={run.cancelRequested}>
              {t("run.cancel")}
            </Button>
          )}
          {canEdit && !active && run.failed > 0 && run.trigger !== "test" && (
            <Button variant="primary" onClick={() => retry.mutate(undefined)} busy={retry.isPending}>
              {t("run.retryFailed")}
            </Button>
          )}
        </div>
      </div>

      {run.cancelRequested && active && <Alert tone="amber">{t("run.cancelRequested")}</Alert>}
      {active && run.waitingUntil && run.unknown > 0 && (
        <Alert tone="amber">
          <span data-testid="run-waiting">{t("run.waiting", { count: fmt.number(run.unknown), time: fmt.time(run.waitingUntil) })}</span>
        </Alert>
      )}
      {!active && run.unknown > 0 && <Alert tone="amber">{t("run.unknownLeft", { count: fmt.number(run.unknown) })}</Alert>}
      {run.error && <Alert>{run.error}</Alert>}
      {(retry.error ?? cancel.error) && <Alert>{(retry.error ?? cancel.error)!.message}</Alert>}

      <Card className="space-y-5 p-6">
        <ProgressBar run={run} />
        <div className="grid grid-cols-2 gap-3 md:grid-cols-4 lg:grid-cols-7">
          <Stat label={t("run.phase")} value={t(`run.phase.${run.phase}`)} />
          <Stat label={t("run.total")} value={fmt.number(run.total)} />
          <Stat label={t("run.fetched")} value={fmt.number(run.fetched)} testId="stat-fetched" />
          <Stat label={t("run.written")} value={fmt.number(run.written)} tone="text-emerald-700" testId="stat-written" />
          <Stat label={t("run.failed")} value={fmt.number(run.failed)} tone={run.failed > 0 ? "text-red-600" : undefined} testId="stat-failed" />
          <Stat label={t("run.skipped")} value={fmt.number(run.skipped)} />
          {run.filtered > 0 && <Stat label={t("run.filtered")} value={fmt.number(run.filtered)} testId="stat-filtered" />}
          {run.saved > 0 && <Stat label={t("run.saved")} value={fmt.number(run.saved)} tone="text-amber-600" testId="stat-saved" />}
          {run.waiting > 0 && <Stat label={t("run.waitingDependencies")} value={fmt.number(run.waiting)} tone="text-blue-600" testId="stat-waiting" />}
          {run.unknown > 0 && <Stat label={t("run.unknown")} value={fmt.number(run.unknown)} tone="text-amber-600" testId="stat-unknown" />}
          {run.stale > 0 && <Stat label={t("record.status.stale")} value={fmt.number(run.stale)} tone="text-amber-600" testId="stat-stale" />}
          <Stat label={t("runs.duration")} value={fmt.duration(run.durationMs)} />
        </div>
        <div className="flex gap-6 text-xs text-slate-500">
          <span>
            {t("run.startedAt")} {fmt.time(run.startedAt)}
          </span>
          <span>
            {t("run.finishedAt")} {fmt.time(run.finishedAt)}
          </span>
        </div>
      </Card>

      {run.trigger === "test" && run.result !== null && (
        <Card className="overflow-hidden">
          <div className="h-[28rem]">
            <TestResults run={run} pending={false} error={null} selected={sample} onSelect={setSample} onClose={() => router.back()} />
          </div>
        </Card>
      )}

      {run.timings && (
        <Card className="p-5">
          <h2 className="mb-3 text-sm font-semibold text-slate-900">{t("run.timings.title")}</h2>
          <RunTimings timings={run.timings} attempt={run.attempt} />
        </Card>
      )}

      <div className="grid gap-6 lg:grid-cols-2">
        <Card className="p-5">
          <h2 className="mb-3 text-sm font-semibold text-slate-900">
            {t("run.chart")} <span className="font-normal text-slate-500">({run.bucketSeconds}s)</span>
          </h2>
          <ThroughputChart run={run} />
        </Card>
        <Card className="p-5">
          <h2 className="mb-3 text-sm font-semibold text-slate-900">{t("run.log")}</h2>
          <RunLog runId={run.id} active={active} />
        </Card>
      </div>

      <Card className="p-5">
        <h2 className="mb-3 text-sm font-semibold text-slate-900">{t("run.records")}</h2>
        <RunRecords
          key={active ? "live" : "done"}
          runId={run.id}
          active={active}
          initialStatus={run.failed > 0 && !active ? "failed" : undefined}
          onRetry={(ids) => retry.mutate(ids)}
          retrying={retry.isPending}
        />
      </Card>
    </section>
  );
}
