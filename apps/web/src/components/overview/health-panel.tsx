"use client";
// The queue's depth and the workers alive (their heartbeats): host, version, uptime and the runs
// each is executing, linked.
import Link from "next/link";
import type { OverviewDto } from "@/lib/api/overview-schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import type { MessageKey } from "@/lib/i18n/messages";
import { Alert, Badge, Card } from "@/components/ui";

export function HealthPanel({ data }: { data: OverviewDto }) {
  const t = useT();
  const fmt = useFormat();
  const now = new Date(data.generatedAt).getTime();
  return (
    <div className="mb-6 grid gap-4 lg:grid-cols-3">
      <Card className="p-4">
        <h2 className="mb-3 text-sm font-semibold text-slate-700">{t("overview.queue")}</h2>
        {data.queue ? (
          <dl className="grid grid-cols-3 gap-3" data-testid="queue-depth">
            {Object.entries(data.queue).map(([state, n]) => (
              <div key={state}>
                <dt className="text-xs text-slate-500">{t(`overview.queue.${state}` as MessageKey)}</dt>
                <dd className={`text-lg tabular-nums ${state === "failed" && n > 0 ? "text-red-600" : "text-slate-900"}`} data-testid={`queue-${state}`}>
                  {fmt.number(n)}
                </dd>
              </div>
            ))}
          </dl>
        ) : (
          <Alert tone="amber">{t("overview.queueUnavailable")}</Alert>
        )}
      </Card>
      <Card className="p-4 lg:col-span-2">
        <h2 className="mb-3 flex items-center gap-2 text-sm font-semibold text-slate-700">
          {t("overview.workers")}
          {data.workers && <Badge tone={data.workers.length > 0 ? "green" : "red"}>{t("overview.workersAlive", { count: data.workers.length })}</Badge>}
        </h2>
        {!data.workers ? (
          <Alert tone="amber">{t("overview.queueUnavailable")}</Alert>
        ) : data.workers.length === 0 ? (
          <Alert>{t("overview.noWorkers")}</Alert>
        ) : (
          <table className="w-full text-left text-sm">
            <thead className="text-xs text-slate-500">
              <tr>
                <th className="py-1 font-medium">{t("overview.workerHost")}</th>
                <th className="py-1 font-medium">{t("overview.workerVersion")}</th>
                <th className="py-1 font-medium">{t("overview.workerUptime")}</th>
                <th className="py-1 font-medium">{t("overview.workerRuns")}</th>
              </tr>
            </thead>
            <tbody>
              {data.workers.map((w) => (
                <tr key={w.id} className="border-t border-slate-100" data-testid="worker-row">
                  <td className="py-1.5 text-slate-700" title={w.id}>
                    {w.host} <span className="text-slate-500">· {w.pid}</span>
                  </td>
                  <td className="py-1.5 text-slate-600">{w.version}</td>
                  <td className="py-1.5 tabular-nums text-slate-600">{fmt.duration(Math.max(0, now - new Date(w.startedAt).getTime()))}</td>
                  <td className="py-1.5">
                    {w.runs.length === 0 ? (
                      <span className="text-slate-500">{t("overview.workerIdle")}</span>
                    ) : (
                      w.runs.map((id) => (
                        <Link key={id} href={`/runs/${id}`} className="mr-2 font-mono text-xs text-brand-700 hover:underline">
                          {id.slice(0, 8)}
                        </Link>
                      ))
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}
