"use client";
// Per scheme: its last run, success rates and records written over 24 h and 7 d, its staging
// records that are not written (by status: failed, waiting, dead letters, whatever there is) and
// its next scheduled run.
import Link from "next/link";
import type { OverviewDto, SchemeOverviewDto } from "@/lib/api/overview-schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { MESSAGES, type MessageKey } from "@/lib/i18n/messages";
import { RunStatusBadge } from "@/components/run-status";
import { Badge, type Tone } from "@/components/ui";

/** Statuses that need nobody's attention, left out of the records cell. */
// Nothing left to do for these: written, or left out by the scheme's filter node.
const SETTLED = new Set(["written", "filtered"]);
const RECORD_TONE: Record<string, Tone> = { failed: "red", dead: "red", waiting: "amber", unknown: "amber", saved: "amber", stale: "slate", pending: "blue" };

function Rate({ counts }: { counts: SchemeOverviewDto["last24h"] }) {
  const t = useT();
  const ended = counts.succeeded + counts.partial + counts.failedRuns;
  if (counts.successRate === null) return <span className="text-slate-500">{t("overview.rateNone")}</span>;
  const pct = Math.round(counts.successRate * 1000) / 10;
  const tone = pct >= 99 ? "text-emerald-700" : pct >= 80 ? "text-amber-700" : "text-red-600";
  return (
    <span className={`tabular-nums ${tone}`} title={t("overview.rateTitle", { succeeded: counts.succeeded, ended })}>
      {pct}%
    </span>
  );
}

function Records({ scheme }: { scheme: SchemeOverviewDto }) {
  const t = useT();
  const fmt = useFormat();
  const open = Object.entries(scheme.records).filter(([status, n]) => !SETTLED.has(status) && n > 0);
  // A status another part of Qiao added after these labels were written shows under its own name.
  const label = (status: string) => (`overview.record.${status}` in MESSAGES["zh-CN"] ? t(`overview.record.${status}` as MessageKey) : status);
  return (
    <span className="flex flex-wrap gap-1" title={scheme.recordsCountedAt ? t("overview.recordsTitle", { time: fmt.time(scheme.recordsCountedAt) }) : undefined}>
      {open.length === 0 ? (
        <span className="text-slate-500">{t("overview.recordsNone")}</span>
      ) : (
        open.map(([status, n]) => (
          <Badge key={status} tone={RECORD_TONE[status] ?? "slate"}>
            <span data-testid={`records-${status}`}>
              {label(status)} {fmt.number(n)}
            </span>
          </Badge>
        ))
      )}
    </span>
  );
}

export function SchemesTable({ data }: { data: OverviewDto }) {
  const t = useT();
  const fmt = useFormat();
  return (
    <div className="overflow-x-auto rounded-xl bg-white shadow-sm ring-1 ring-slate-200">
      <table className="w-full text-left text-sm" aria-label={t("overview.schemes")}>
        <thead className="bg-slate-50 text-slate-500">
          <tr>
            <th className="px-4 py-3 font-medium">{t("overview.scheme")}</th>
            <th className="px-4 py-3 font-medium">{t("overview.lastRun")}</th>
            <th className="px-4 py-3 text-right font-medium">{t("overview.rate24h")}</th>
            <th className="px-4 py-3 text-right font-medium">{t("overview.rate7d")}</th>
            <th className="px-4 py-3 text-right font-medium">{t("overview.written24h")}</th>
            <th className="px-4 py-3 text-right font-medium">{t("overview.written7d")}</th>
            <th className="px-4 py-3 font-medium">{t("overview.records")}</th>
            <th className="px-4 py-3 font-medium">{t("overview.nextRun")}</th>
          </tr>
        </thead>
        <tbody>
          {data.schemes.map((s) => (
            <tr key={s.id} className="border-t border-slate-100" data-testid="overview-scheme" data-scheme-id={s.id}>
              <td className="px-4 py-2.5">
                <Link href={`/schemes/${s.id}/runs`} className="font-medium text-slate-900 hover:text-brand-700 hover:underline">
                  {s.name}
                </Link>
              </td>
              <td className="px-4 py-2.5">
                {s.lastRun ? (
                  <Link href={`/runs/${s.lastRun.id}`} className="inline-flex items-center gap-2 hover:underline" data-testid="last-run">
                    <RunStatusBadge status={s.lastRun.status} />
                    <span className="whitespace-nowrap text-xs text-slate-500">{fmt.time(s.lastRun.finishedAt ?? s.lastRun.createdAt)}</span>
                  </Link>
                ) : (
                  <span className="text-slate-500">{t("overview.never")}</span>
                )}
              </td>
              <td className="px-4 py-2.5 text-right">
                <Rate counts={s.last24h} />
              </td>
              <td className="px-4 py-2.5 text-right">
                <Rate counts={s.last7d} />
              </td>
              <td className="px-4 py-2.5 text-right tabular-nums text-emerald-700" data-testid="written-24h">
                {fmt.number(s.last24h.written)}
              </td>
              <td className="px-4 py-2.5 text-right tabular-nums text-slate-700">{fmt.number(s.last7d.written)}</td>
              <td className="px-4 py-2.5">
                <Records scheme={s} />
              </td>
              <td className="whitespace-nowrap px-4 py-2.5 text-xs text-slate-600">
                {s.nextRunAt ? fmt.time(s.nextRunAt) : !s.enabled && s.cron ? t("overview.disabled") : t("overview.manual")}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
