import { prisma } from "@qiao/db";
import { clusterMetrics } from "@qiao/jobs";
import { withAuth } from "@/server/api";
import { webMetrics } from "@/server/metrics";
import { runQueue } from "@/server/queue";

export const dynamic = "force-dynamic";

/**
 * GET /api/metrics — Prometheus text format: the queue, runs, records per scheme, and every live
 * worker's registry (run durations, ERP calls, process). An admin's session or API token, or
 * `Authorization: Bearer <QIAO_METRICS_TOKEN>` (docs/overview-and-metrics.md).
 */
export const GET = withAuth(async () => {
  const metrics = await clusterMetrics(prisma(), runQueue(), webMetrics());
  // Answered without the queue's and the workers' part (`qiao_redis_up 0`); the reason is logged here.
  if (metrics.redisError) console.error(`[metrics] Redis: ${metrics.redisError}`);
  return new Response(metrics.text, { headers: { "content-type": metrics.contentType, "cache-control": "no-store" } });
}, { role: "admin", metricsToken: true });
