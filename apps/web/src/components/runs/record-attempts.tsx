"use client";
// A failed record's history of attempts (one per run that sent it), loaded when its row is opened.
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { api } from "@/lib/api/client";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { ErrorClassBadge } from "./retry-state";

export function RecordAttempts({ schemeId, recordId }: { schemeId: string; recordId: string }) {
  const t = useT();
  const fmt = useFormat();
  const attempts = useQuery({ queryKey: ["record-attempts", schemeId, recordId], queryFn: () => api.recordAttempts(schemeId, recordId) });
  if (attempts.isPending) return <p className="text-xs text-slate-500">{t("common.loading")}</p>;
  if (attempts.error) return <p className="text-xs text-red-700">{attempts.error.message}</p>;
  if (attempts.data.attempts.length === 0) return <p className="text-xs text-slate-500">{t("deadLetters.noAttempts")}</p>;
  return (
    <ol className="space-y-1 text-xs" aria-label={t("deadLetters.attempts")} data-testid="record-attempts">
      {attempts.data.attempts.map((a) => (
        <li key={a.runId} className="flex flex-wrap items-baseline gap-2" data-testid="record-attempt">
          <span className="tabular-nums text-slate-500">{fmt.time(a.at)}</span>
          <Link href={`/runs/${a.runId}`} className="text-brand-700 hover:underline">
            {t(`run.trigger.${a.trigger}`)}
          </Link>
          <span className={a.status === "failed" ? "text-red-700" : "text-slate-700"}>{t(`record.status.${a.status}`)}</span>
          {a.errorClass && <ErrorClassBadge errorClass={a.errorClass} />}
          {a.error && <span className="text-slate-600">{a.error}</span>}
        </li>
      ))}
    </ol>
  );
}
