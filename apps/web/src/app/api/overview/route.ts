import { prisma } from "@qiao/db";
import { overviewSchema } from "@/lib/api/overview-schemas";
import { json, withAuth } from "@/server/api";
import { overview } from "@/server/overview";
import { runQueue } from "@/server/queue";

export const dynamic = "force-dynamic";

/** GET /api/overview — per scheme its last run, 24 h / 7 d numbers, records per day, staging counts and next run; queue and workers. */
export const GET = withAuth(async () => json(overviewSchema, await overview(prisma(), runQueue())), { role: "viewer" });
