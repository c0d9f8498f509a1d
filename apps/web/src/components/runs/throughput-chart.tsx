"use client";
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { RunDetailDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";

export function ThroughputChart({ run }: { run: RunDetailDto }) {
  const t = useT();
  const fmt = useFormat();
  if (run.throughput.length === 0) {
    return <div className="flex h-48 items-center justify-center text-sm text-slate-500">{t("run.chartEmpty")}</div>;
  }
  const data = run.throughput.map((p) => ({ at: fmt.clock(p.at), written: Math.round(p.written * 10) / 10, failed: Math.round(p.failed * 10) / 10 }));
  return (
    <div className="h-48" data-testid="throughput-chart">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -16 }} title={t("run.chart")}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
          <XAxis dataKey="at" tick={{ fontSize: 11, fill: "#64748b" }} minTickGap={24} />
          <YAxis tick={{ fontSize: 11, fill: "#64748b" }} allowDecimals tickFormatter={(n: number) => fmt.number(n)} />
          <Tooltip formatter={(n) => fmt.number(Number(n))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Area type="linear" dataKey="written" name={t("run.written")} stroke="#059669" fill="#a7f3d0" isAnimationActive={false} />
          <Area type="linear" dataKey="failed" name={t("run.failed")} stroke="#dc2626" fill="#fecaca" isAnimationActive={false} />
        </AreaChart>
      </ResponsiveContainer>
    </div>
  );
}
