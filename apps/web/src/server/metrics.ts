// The web process's own Prometheus registry (prom-client's default process metrics), served by
// /api/metrics beside the workers' under `process="web:<host>:<pid>"`. One per process, made on
// first use (never while `next build` collects page data).
import { hostname } from "node:os";
import { collectDefaultMetrics, Registry } from "prom-client";

const g = globalThis as unknown as { qiaoWebMetrics?: { process: string; registry: Registry } };

export function webMetrics(): { process: string; registry: Registry } {
  if (!g.qiaoWebMetrics) {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    g.qiaoWebMetrics = { process: `web:${hostname()}:${process.pid}`, registry };
  }
  return g.qiaoWebMetrics;
}
