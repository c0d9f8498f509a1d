// What a scheme's staging becomes when a saved version switches its write mode from create (新增) to
// upsert (更新) (session 32's audit of incremental reads). In create mode a written record whose
// source changed is `stale` ("changed, not updated in create mode", DESIGN.md § Runs); upsert mode
// updates such a record. Staging knows that when it reads the record again (stage-page.ts: a stale
// row is changed in upsert mode), but an incremental read reads only what changed since the cursor,
// which the mode switch does not move, and the write sweep (nextPendingRecords) takes only `pending`
// rows: a stale record whose source did not change again was never updated. insertSchemeVersion
// makes them pending in the save's transaction (pendStaleRecords).
//
// Why at the save and not when an upsert run starts: staging has no index by status (dropped for HOT
// updates, migration 20261128150200), so finding a scheme's stale rows walks all its rows, which a
// save that switches the mode (rare) can pay and every run (every few minutes) should not.
import type { Prisma } from "../../generated/prisma/client";

export type WriteMode = "create" | "upsert";

/**
 * The write mode of a definition as saved (read leniently, as schemeTarget reads it): its target
 * node's `mode`, create when it has none (core's default); undefined when it has no target node.
 */
export function schemeWriteMode(definition: unknown): WriteMode | undefined {
  const nodes = (definition as { nodes?: unknown } | null | undefined)?.nodes;
  if (!Array.isArray(nodes)) return undefined;
  const node = nodes.find((n): n is { type: string; config?: unknown } => typeof n === "object" && n !== null && (n as { type?: unknown }).type === "target");
  if (!node) return undefined;
  const mode = (node.config as { mode?: unknown } | null | undefined)?.mode;
  return mode === "upsert" ? "upsert" : "create";
}

/** Whether `after` writes in upsert mode where `before` wrote in create mode. */
export function switchedToUpsert(before: unknown, after: unknown): boolean {
  return schemeWriteMode(before) === "create" && schemeWriteMode(after) === "upsert";
}

/**
 * The scheme's `stale` rows made `pending`: the next run's write sweep sends each as an update of
 * what it wrote (its written hash, target id and number stay: the upsert looks the record up by its
 * number, and the mark checks that number as for any update). Their mapping key is dropped, so a read
 * that sees the record again maps it with the new version (as forgetWrittenTarget does). One UPDATE
 * over the scheme's rows (walked by (scheme_id, id): no index by status), in the save's transaction.
 * Returns how many rows became pending.
 */
export async function pendStaleRecords(tx: Prisma.TransactionClient, schemeId: string): Promise<number> {
  return tx.$executeRaw`
    UPDATE source_records SET status = 'pending'::record_status, mapped_with = NULL, updated_at = ${new Date().toISOString()}::timestamp
    WHERE scheme_id = ${schemeId}::uuid AND status = 'stale'`;
}
