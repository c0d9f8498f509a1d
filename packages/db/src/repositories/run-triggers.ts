// Which runs read the source: one declaration for the places that ask (run-after's "since", pruning's
// kept runs, a cron tick that meets a busy scheme).
import { Prisma } from "../../generated/prisma/client";
import type { RunTrigger } from "../../generated/prisma/enums";

/**
 * The triggers whose runs read the source from the scheme's cursor, as a tick's run does. A retry, a
 * release of waiting records (dependency) or a test run reads nothing of the kind.
 */
export const SOURCE_READING_TRIGGERS: readonly RunTrigger[] = ["manual", "schedule", "chain"];

export function readsSource(trigger: RunTrigger): boolean {
  return SOURCE_READING_TRIGGERS.includes(trigger);
}

/** SQL: `(…)`, the list for `trigger IN` (literals: a planner sees them, as it would not a parameter's). */
export const SOURCE_READING_IN = Prisma.raw(`(${SOURCE_READING_TRIGGERS.map((t) => `'${t}'`).join(", ")})`);

/**
 * The triggers whose runs make the scheme's waiting records pending and map them again (the engine's
 * releaseWaits, at a run's start): those that read the source, and the release of waiting records.
 */
export const RELEASING_TRIGGERS: readonly RunTrigger[] = [...SOURCE_READING_TRIGGERS, "dependency"];

/** SQL: `(…)`, the list for `trigger IN` (as SOURCE_READING_IN). */
export const RELEASING_IN = Prisma.raw(`(${RELEASING_TRIGGERS.map((t) => `'${t}'`).join(", ")})`);
