"use client";
// Records written and failed per day, all schemes together or one chosen in the select; days and
// counts written as the page's language writes them.
import { useId, useState } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { OverviewDto } from "@/lib/api/overview-schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { Card, Select } from "@/components/ui";

export function WrittenChart({ data }: { data: OverviewDto }) {
  const t = useT();
  const fmt = useFormat();
  const selectId = useId();
  const [schemeId, setSchemeId] = useState("");
  const chosen = data.schemes.filter((s) => !schemeId || s.id === schemeId);
  const points = data.days.map((day, i) => ({
    day: fmt.day(day),
    written: chosen.reduce((n, s) => n + (s.written[i] ?? 0), 0),
    failed: chosen.reduce((n, s) => n + (s.failed[i] ?? 0), 0),
  }));
  return (
    <Card className="mb-6 p-4">
      <div className="mb-3 flex items-center gap-3">
        <h2 className="text-sm font-semibold text-slate-700">{t("overview.chartTitle")}</h2>
        <label htmlFor={selectId} className="ml-auto text-xs text-slate-500">
          {t("overview.chartScheme")}
        </label>
        <Select id={selectId} value={schemeId} onChange={(e) => setSchemeId(e.target.value)} className="w-56" data-testid="chart-scheme">
          <option value="">{t("overview.allSchemes")}</option>
          {data.schemes.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </Select>
      </div>
      <div className="h-56" data-testid="written-chart">
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={points} margin={{ top: 8, right: 8, bottom: 0, left: -8 }} title={t("overview.chartTitle")}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="day" tick={{ fontSize: 11, fill: "#64748b" }} />
            <YAxis tick={{ fontSize: 11, fill: "#64748b" }} allowDecimals={false} tickFormatter={(n: number) => fmt.number(n)} />
            <Tooltip formatter={(n) => fmt.number(Number(n))} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Bar dataKey="written" stackId="r" name={t("overview.written")} fill="#34d399" isAnimationActive={false} />
            <Bar dataKey="failed" stackId="r" name={t("overview.failed")} fill="#f87171" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </div>
    </Card>
  );
}
