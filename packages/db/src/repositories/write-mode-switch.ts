// What a scheme's staging becomes when a saved version switches its write mode from create (新增) to
// upsert (更新) (session 32's audit of incremental reads). In create mode a written record whose
// source changed is `stale` ("changed, not updated in create mode", DESIGN.md § Runs); upsert mode
// updates such a record. Staging knows that when it reads the record again (stage-page.ts: a stale
// row is changed in upsert mode), but an incremental read reads only what changed since the cursor,
// which the mode switch does not move, and the write sweep (nextPendingRecords) takes only `pending`
// rows: a stale record whose source did not change again was never updated. insertSchemeVersion
// makes them pending in the save's transaction (pendStaleRecords).
//
// And back: a version that switches from upsert to create leaves no record written before `pending`
// (or failed, or waiting) to be sent again, since create mode would send it as a new record: a
// duplicate number refused by 金蝶 at best, a second bill numbered by its 编码规则 at worst. Such rows
// become what create mode makes of a written record (staleWrittenRecords).
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

/** Whether `after` writes in create mode where `before` wrote in upsert mode. */
export function switchedToCreate(before: unknown, after: unknown): boolean {
  return schemeWriteMode(before) === "upsert" && schemeWriteMode(after) === "create";
}

/** The reason a record with a document in the target but nothing known written is left stale. */
const DOCUMENT_NOT_WRITTEN =
  "目标系统中已有此记录的单据或资料（保存后未写完：未审核，或更新被拒绝），方案改为“新增”写入模式后不再发送它，以免重复；请在目标系统中核对并处理 / " +
  "The target holds a document of this record that was never completed (saved but not audited, or its update refused); in the create write mode it is not sent again, which would duplicate it: check it in the target";

/**
 * The scheme's rows with a document in the target (a target number, and a written hash or a target
 * id: written, a bill saved — maybe reopened and its re-save refused — or found by a lookup) that
 * upsert mode would send again — `pending`, `failed` or `waiting` — made `written` when what would be
 * sent is what was written, else `stale` (changed, not updated in create mode; with a reason when
 * nothing was known written: session 33's audit), with their retry schedule and waits dropped:
 * create mode never sends a record with a document again. Returns how many.
 */
export async function staleWrittenRecords(tx: Prisma.TransactionClient, schemeId: string): Promise<number> {
  const now = new Date().toISOString();
  const changed = await tx.$queryRaw<{ id: bigint }[]>`
    UPDATE source_records SET
      status = CASE WHEN payload_hash = written_hash THEN 'written'::record_status ELSE 'stale'::record_status END,
      mapped_with = NULL, last_error = CASE WHEN written_hash IS NULL THEN ${DOCUMENT_NOT_WRITTEN} END,
      error_class = NULL, retry_step = 0, retry_at = NULL, dead_at = NULL, retry_prior = NULL,
      updated_at = ${now}::timestamp
    WHERE scheme_id = ${schemeId}::uuid AND status IN ('pending', 'failed', 'waiting')
      AND (written_hash IS NOT NULL OR target_id IS NOT NULL) AND target_number IS NOT NULL
    RETURNING id`;
  if (changed.length > 0) {
    await tx.$executeRaw`DELETE FROM waiting_records WHERE source_record_id = ANY(${changed.map((r) => r.id)}::bigint[])`;
  }
  return changed.length;
}

/**
 * The scheme's `stale` rows made `pending`: the next run's write sweep sends each as an update of
 * what it wrote (its written hash, target id and number stay: the upsert looks the record up by its
 * number, and the mark checks that number as for any update). Their mapping key is dropped, so a read
 * that sees the record again maps it with the new version (as forgetWrittenTarget does), and so is
 * its reason (a stale row may carry one saying create mode will not update it). One UPDATE
 * over the scheme's rows (walked by (scheme_id, id): no index by status), in the save's transaction.
 * Returns how many rows became pending.
 */
export async function pendStaleRecords(tx: Prisma.TransactionClient, schemeId: string): Promise<number> {
  return tx.$executeRaw`
    UPDATE source_records SET status = 'pending'::record_status, mapped_with = NULL, last_error = NULL, updated_at = ${new Date().toISOString()}::timestamp
    WHERE scheme_id = ${schemeId}::uuid AND status = 'stale'`;
}
