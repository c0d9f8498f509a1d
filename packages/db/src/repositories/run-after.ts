// Run after (运行顺序) and the runs a chain links: which schemes follow a scheme, and whether all
// of a scheme's predecessors have succeeded since its last run.
import type { Db } from "../client";

/** Enabled schemes that run after `schemeId`, with every scheme each of them runs after. */
export async function runAfterSuccessors(db: Db, schemeId: string): Promise<{ id: string; runAfter: string[] }[]> {
  return db.$queryRaw<{ id: string; runAfter: string[] }[]>`
    SELECT id::text AS id, ARRAY(SELECT jsonb_array_elements_text(definition->'runAfter')) AS "runAfter"
    FROM schemes
    WHERE enabled AND jsonb_typeof(definition->'runAfter') = 'array' AND definition->'runAfter' ? ${schemeId}`;
}

/**
 * Whether each of `predecessors` has a run that succeeded after `schemeId`'s latest run (test runs
 * aside) was created: then the chain is complete and `schemeId` is due.
 */
export async function predecessorsSucceededSince(db: Db, schemeId: string, predecessors: readonly string[]): Promise<boolean> {
  if (predecessors.length === 0) return false;
  const rows = await db.$queryRaw<{ ready: boolean }[]>`
    WITH last AS (
      SELECT COALESCE(max(created_at), '-infinity'::timestamp) AS at FROM runs WHERE scheme_id = ${schemeId}::uuid AND trigger <> 'test'
    )
    SELECT bool_and(EXISTS (
      SELECT 1 FROM runs r, last
      WHERE r.scheme_id = p.id::uuid AND r.status = 'succeeded' AND r.finished_at > last.at
    )) AS ready
    FROM unnest(${[...predecessors]}::text[]) AS p(id)`;
  return rows[0]?.ready ?? false;
}

/** Every scheme's run-after (id → the ids it runs after), for the cycle check at save. */
export async function runAfterGraph(db: Db): Promise<Map<string, string[]>> {
  const rows = await db.$queryRaw<{ id: string; runAfter: string[] }[]>`
    SELECT id::text AS id, ARRAY(SELECT jsonb_array_elements_text(definition->'runAfter')) AS "runAfter"
    FROM schemes WHERE jsonb_typeof(definition->'runAfter') = 'array'`;
  return new Map(rows.map((r) => [r.id, r.runAfter]));
}

/** The runs a run triggered (run-after successors, released dependents), oldest first. */
export async function runsTriggeredBy(db: Db, runId: string) {
  return db.run.findMany({
    where: { triggeredById: runId },
    orderBy: { createdAt: "asc" },
    select: { id: true, schemeId: true, trigger: true, status: true, createdAt: true, scheme: { select: { name: true } } },
  });
}
