// Whether a scheme's automation (its reconciliation cron, its run-after chain, the stale-scheme
// alert, its automatic retries, the release of its records waiting for another scheme) is on: its
// run schedule is switched on, or it has none to switch (a scheme run by hand or only after another). `schemes.enabled` is the run schedule's switch alone, false without a
// schedule: read by itself it left such schemes out of all three. One rule, in TS and in SQL.
import { Prisma } from "../../generated/prisma/client";
import type { Db } from "../client";

export function automationOn(scheme: { enabled: boolean; cron: string | null }): boolean {
  return scheme.enabled || !scheme.cron?.trim();
}

/** automationOn for the scheme aliased `s` (the cron column is NULL without a schedule). */
export const AUTOMATION_ON = Prisma.sql`(s.enabled OR s.cron IS NULL)`;

/** Whether the scheme's automation is on now; false for a scheme that is gone. */
export async function schemeAutomationOn(db: Db, schemeId: string): Promise<boolean> {
  const scheme = await db.scheme.findUnique({ where: { id: schemeId }, select: { enabled: true, cron: true } });
  return scheme !== null && automationOn(scheme);
}
