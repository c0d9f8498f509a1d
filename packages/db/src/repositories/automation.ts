// Whether a scheme's automation (its reconciliation cron, its run-after chain, the stale-scheme
// alert) is on: its run schedule is switched on, or it has none to switch (a scheme run by hand or
// only after another). `schemes.enabled` is the run schedule's switch alone, false without a
// schedule: read by itself it left such schemes out of all three. One rule, in TS and in SQL.
import { Prisma } from "../../generated/prisma/client";

export function automationOn(scheme: { enabled: boolean; cron: string | null }): boolean {
  return scheme.enabled || !scheme.cron?.trim();
}

/** automationOn for the scheme aliased `s` (the cron column is NULL without a schedule). */
export const AUTOMATION_ON = Prisma.sql`(s.enabled OR s.cron IS NULL)`;
