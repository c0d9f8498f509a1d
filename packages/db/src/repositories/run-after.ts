// Run after (运行顺序) and the runs a chain links: which schemes are due because all of their
// predecessors have succeeded since their last run, and the loop check a save of an order passes.
import { runAfterCycle } from "@qiao/core";
import type { Prisma } from "../../generated/prisma/client";
import type { Db } from "../client";
import { AUTOMATION_ON } from "./automation";
import { SOURCE_READING_IN } from "./run-triggers";

/**
 * Schemes due to run after their predecessors: automation on (the run schedule switched on, or no
 * run schedule), with `runAfter`, no active run, and each
 * predecessor has a run that succeeded (test runs aside) after the scheme's latest run that reads its
 * source was created (manual, schedule or chain: a retry or a release of waiting records reads
 * nothing, so it does not use up a predecessor's success; the release that same success starts
 * comes first, and the chain run would otherwise never start, session 25's audit). With the predecessor run that completed the chain (the latest of each predecessor's first
 * success since then): the chain run is linked to it, and its id makes one idempotency key for every
 * caller, so a follow-up and the sweep never start two runs for one chain. `around`: only that scheme
 * and the schemes that run after it (a run's follow-up); else all (the sweep, for a successor that
 * was busy when its chain completed, or a worker killed before its follow-ups).
 * A success before the scheme's current version was saved does not count: saving a run-after order
 * (or any change) does not start the scheme by itself; the next success of a predecessor does.
 */
export async function runAfterDue(db: Db, around?: string): Promise<{ schemeId: string; runId: string }[]> {
  return db.$queryRaw<{ schemeId: string; runId: string }[]>`
    WITH candidates AS (
      SELECT s.id, ARRAY(SELECT jsonb_array_elements_text(s.definition->'runAfter')) AS predecessors, GREATEST(
          (SELECT max(r.created_at) FROM runs r WHERE r.scheme_id = s.id AND r.trigger IN ${SOURCE_READING_IN}),
          (SELECT v.created_at FROM scheme_versions v WHERE v.scheme_id = s.id AND v.version = s.current_version)
        ) AS since
      FROM schemes s
      -- A scheme that only runs after others has no schedule: \`enabled\` alone never started it.
      WHERE ${AUTOMATION_ON} AND jsonb_typeof(s.definition->'runAfter') = 'array' AND jsonb_array_length(s.definition->'runAfter') > 0
        AND (${around ?? null}::uuid IS NULL OR s.id = ${around ?? null}::uuid OR s.definition->'runAfter' ? ${around ?? ""})
        AND NOT EXISTS (SELECT 1 FROM runs a WHERE a.scheme_id = s.id AND a.status IN ('queued', 'running'))
    ), firsts AS (
      SELECT c.id AS scheme_id, f.id AS run_id, f.finished_at
      FROM candidates c
      -- A predecessor deleted meanwhile (deleting one that others run after is refused, but a save
      -- racing the delete may name it) is no longer waited for: it would stop the chain for good.
      CROSS JOIN unnest(c.predecessors) AS p(id)
      JOIN schemes ps ON ps.id::text = p.id
      LEFT JOIN LATERAL (
        SELECT r.id, r.finished_at FROM runs r
        WHERE r.scheme_id = p.id::uuid AND r.status = 'succeeded' AND r.trigger <> 'test'
          AND r.finished_at > COALESCE(c.since, '-infinity'::timestamp)
        ORDER BY r.finished_at LIMIT 1
      ) f ON true
    )
    SELECT DISTINCT ON (scheme_id) scheme_id::text AS "schemeId", run_id::text AS "runId"
    FROM firsts
    WHERE scheme_id NOT IN (SELECT scheme_id FROM firsts WHERE run_id IS NULL)
    ORDER BY scheme_id, finished_at DESC`;
}

/** The schemes that run after `schemeId` (their stored order names it), by name. */
export async function schemesRunningAfter(db: Db | Prisma.TransactionClient, schemeId: string): Promise<{ id: string; name: string }[]> {
  return db.$queryRaw<{ id: string; name: string }[]>`
    SELECT id::text AS id, name FROM schemes
    WHERE jsonb_typeof(definition->'runAfter') = 'array' AND definition->'runAfter' ? ${schemeId}
    ORDER BY name`;
}

/** Every scheme's run-after (id → the ids it runs after), as stored. */
async function runAfterGraph(db: Db | Prisma.TransactionClient): Promise<Map<string, string[]>> {
  const rows = await db.$queryRaw<{ id: string; runAfter: string[] }[]>`
    SELECT id::text AS id, ARRAY(SELECT jsonb_array_elements_text(definition->'runAfter')) AS "runAfter"
    FROM schemes WHERE jsonb_typeof(definition->'runAfter') = 'array'`;
  return new Map(rows.map((r) => [r.id, r.runAfter]));
}

/**
 * The loop that saving `runAfter` as scheme `schemeId`'s order would close, against the graph as
 * stored (its own stored order replaced): the scheme ids from it back to it, or null.
 */
export async function runAfterLoop(db: Db | Prisma.TransactionClient, schemeId: string, runAfter: readonly string[]): Promise<string[] | null> {
  if (runAfter.length === 0) return null;
  const graph = await runAfterGraph(db);
  graph.delete(schemeId);
  return runAfterCycle(graph, schemeId, runAfter);
}

/** A run-after order refused at save because it loops: `loop` is the scheme ids from the scheme back to it. */
export class RunAfterLoopError extends Error {
  override name = "RunAfterLoopError";
  constructor(
    readonly schemeId: string,
    readonly loop: string[],
  ) {
    super(`run-after order of scheme ${schemeId} loops: ${loop.join(" → ")}`);
  }
}

/** The transaction-scoped advisory lock saves of a run-after order take in turn ("runa"). */
const RUN_AFTER_GRAPH_LOCK = 0x72756e61;

/** Takes RUN_AFTER_GRAPH_LOCK for the rest of the transaction (before NAMES_LOCK and any scheme row). */
export async function lockRunAfterGraph(tx: Prisma.TransactionClient): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${RUN_AFTER_GRAPH_LOCK}::bigint)`;
}

/**
 * In a save's transaction, before the scheme's row is locked (every save that waits for both takes
 * them in this order): refuses with RunAfterLoopError an order that loops with the graph as
 * committed. The callers' check at validation reads the graph before the save: two saves at once
 * that together close a loop (A after B, B after A) would each pass it. Saves that add edges take
 * turns here, and each reads the graph once the one before it has committed. An order without
 * edges closes no loop and takes no lock.
 */
export async function refuseRunAfterLoop(tx: Prisma.TransactionClient, schemeId: string, runAfter: readonly string[]): Promise<void> {
  if (runAfter.length === 0) return;
  await lockRunAfterGraph(tx);
  const loop = await runAfterLoop(tx, schemeId, runAfter);
  if (loop) throw new RunAfterLoopError(schemeId, loop);
}

/** The runs a run triggered (run-after successors, released dependents), oldest first. */
export async function runsTriggeredBy(db: Db, runId: string) {
  return db.run.findMany({
    where: { triggeredById: runId },
    orderBy: { createdAt: "asc" },
    select: { id: true, schemeId: true, trigger: true, status: true, createdAt: true, scheme: { select: { name: true } } },
  });
}
