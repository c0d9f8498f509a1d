"use client";
// A finished run's time against its target (RunTimingsDto): how much of the span from its first
// target call to its last had a call under way, and what that says about the connection's
// "concurrent calls" (lib/run-timings). Shown only when the run made target calls.
import Link from "next/link";
import type { RunTimingsDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { busyShare, timingsVerdict } from "@/lib/run-timings";
import { Alert } from "@/components/ui";

/** `attempt`: the run's attempt, whose time this is (a run resumed after a wait shows its last attempt's). */
export function RunTimings({ timings, attempt }: { timings: RunTimingsDto; attempt: number }) {
  const t = useT();
  const fmt = useFormat();
  const busy = Math.round(busyShare(timings) * 100);
  const idle = 100 - busy;
  const verdict = timingsVerdict(timings);
  const connection = timings.targetConnectionId ? `/connections#connection-${timings.targetConnectionId}` : "/connections";
  return (
    <div className="space-y-3" data-testid="run-timings" data-busy-share={busy}>
      <p className="text-sm text-slate-600">
        {attempt > 1
          ? t("run.timings.spanAttempt", { attempt: String(attempt), span: fmt.duration(timings.targetSpanMs), total: fmt.duration(timings.totalMs) })
          : t("run.timings.span", { span: fmt.duration(timings.targetSpanMs), total: fmt.duration(timings.totalMs) })}
      </p>
      <div
        className="flex h-3 overflow-hidden rounded-full bg-slate-100"
        role="img"
        aria-label={t("run.timings.bar", { busy: String(busy), idle: String(idle) })}
      >
        <div className="h-full bg-brand-500" style={{ width: `${busy}%` }} />
        <div className="h-full bg-slate-300" style={{ width: `${idle}%` }} />
      </div>
      <dl className="grid gap-2 text-sm sm:grid-cols-3">
        <div className="flex items-center gap-2">
          <dt className="flex items-center gap-2 text-slate-500">
            <span className="h-2.5 w-2.5 rounded-full bg-brand-500" aria-hidden />
            {t("run.timings.busy")}
          </dt>
          <dd className="font-medium tabular-nums text-slate-900" data-testid="run-timings-busy">
            {fmt.duration(timings.targetBusyMs)} ({busy}%)
          </dd>
        </div>
        <div className="flex items-center gap-2">
          <dt className="flex items-center gap-2 text-slate-500">
            <span className="h-2.5 w-2.5 rounded-full bg-slate-300" aria-hidden />
            {t("run.timings.idle")}
          </dt>
          <dd className="font-medium tabular-nums text-slate-900">
            {fmt.duration(timings.targetIdleMs)} ({idle}%)
          </dd>
        </div>
        <div className="flex items-center gap-2">
          <dt className="text-slate-500">{t("run.timings.concurrency")}</dt>
          <dd className="font-medium tabular-nums text-slate-900" data-testid="run-timings-concurrency">
            {timings.concurrency === null ? "—" : t("run.timings.concurrencyOf", { n: String(timings.concurrency), max: String(timings.maxConcurrency) })}
            {timings.concurrencySteps && (
              <span className="ml-2 font-normal text-slate-500" data-testid="run-timings-concurrency-steps">
                {t("run.timings.concurrencySteps", { steps: timings.concurrencySteps.join(" → ") })}
              </span>
            )}
          </dd>
        </div>
      </dl>
      {verdict.kind !== "none" && (
        <Alert tone={verdict.kind === "target-bound" && verdict.canRaise ? "amber" : "blue"}>
          <span data-testid="run-timings-advice" data-verdict={verdict.kind}>
            {verdict.kind === "run-bound"
              ? t("run.timings.runBound", { idle: String(idle) })
              : verdict.canRaise
                ? t("run.timings.targetBoundRaise", { busy: String(busy), n: String(timings.concurrency) })
                : t("run.timings.targetBound", { busy: String(busy) })}{" "}
            {verdict.kind === "target-bound" && (
              <Link href={connection} className="font-medium underline underline-offset-2">
                {t("run.timings.openConnection")}
              </Link>
            )}
          </span>
        </Alert>
      )}
    </div>
  );
}
