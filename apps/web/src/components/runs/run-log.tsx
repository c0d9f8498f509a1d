"use client";
// The run's log, fetched incrementally (`after` = the last line received) while the run is active.
import { useEffect, useRef, useState } from "react";
import { api } from "@/lib/api/client";
import type { RunLogDto } from "@/lib/api/schemas";
import { useFormat } from "@/lib/format";
import { useT } from "@/lib/i18n/client";
import { cx } from "@/components/ui";

const LEVEL = { error: "text-red-600", warn: "text-amber-700", info: "text-slate-700", debug: "text-slate-400" } as Record<string, string>;

export function RunLog({ runId, active }: { runId: string; active: boolean }) {
  const t = useT();
  const fmt = useFormat();
  const [lines, setLines] = useState<RunLogDto[]>([]);
  const last = useRef<string | undefined>(undefined);
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    async function poll(final: boolean) {
      try {
        for (;;) {
          const { logs } = await api.runLogs(runId, last.current);
          if (stopped) return;
          if (logs.length > 0) {
            last.current = logs.at(-1)!.id;
            setLines((l) => [...l, ...logs]);
          }
          if (logs.length < 500) break;
        }
      } catch {
        // The next tick tries again.
      }
      if (!stopped && !final) timer = setTimeout(() => void poll(!active), 1_500);
    }
    void poll(!active);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [runId, active]);

  useEffect(() => {
    const el = box.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 80) el.scrollTop = el.scrollHeight;
  }, [lines]);

  return (
    <div ref={box} className="h-72 overflow-y-auto rounded-lg bg-slate-950 p-3 font-mono text-xs leading-relaxed" data-testid="run-log">
      {lines.length === 0 && <p className="text-slate-400">{t("run.logEmpty")}</p>}
      {lines.map((l) => (
        <div key={l.id} className="flex gap-3">
          <span className="shrink-0 text-slate-400">{fmt.clock(l.at)}</span>
          <span className={cx("shrink-0 w-10 uppercase", l.level === "error" ? "text-red-400" : l.level === "warn" ? "text-amber-300" : "text-sky-300")}>{l.level}</span>
          <span className={cx("whitespace-pre-wrap break-all", LEVEL[l.level] && "text-slate-100")}>{l.message}</span>
        </div>
      ))}
    </div>
  );
}
