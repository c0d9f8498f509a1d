// Reconciliations (对账): the row is the truth about one (the queue only delivers its id, as for
// runs). One queued or running reconciliation per scheme (partial unique index
// `reconciliations_one_active_per_scheme`); an attempt claims it, streams the keys it reads into
// `reconciliation_keys`, and the comparison (./reconciliation-report.ts) turns them into the report.
import type { Message } from "@qiao/core";
import { message, render } from "@qiao/core";
import { Prisma, type Reconciliation } from "../../generated/prisma/client";
import type { ReconciliationCategory } from "../../generated/prisma/enums";
import type { Db } from "../client";
import { isUniqueViolation } from "./runs";
import { isForeignKeyViolation, SchemeGoneError } from "./scheme-gone";
import { rowsJson } from "./sql";

export type ReconciliationTrigger = "manual" | "schedule";

/** Reconciliation was requested while the scheme already has one queued or running. */
export class ReconciliationBusyError extends Error {
  override name = "ReconciliationBusyError";
  readonly text: Message;
  constructor(
    readonly schemeId: string,
    readonly active: Pick<Reconciliation, "id" | "status"> | null,
  ) {
    const text = message("reconcile.busy", { id: active?.id ?? null });
    super(render(text, "en"));
    this.text = text;
  }
}

export async function findActiveReconciliation(db: Db, schemeId: string) {
  return db.reconciliation.findFirst({
    where: { schemeId, status: { in: ["queued", "running"] } },
    orderBy: { createdAt: "asc" },
    select: { id: true, status: true },
  });
}

export interface CreateReconciliationInput {
  schemeId: string;
  trigger: ReconciliationTrigger;
  /** How many keys per category the report keeps (the counts are always complete). */
  keyLimit: number;
  createdById?: string | null;
  /** Scoped like a run's: "<user or system>:<scheme>:<key>"; a repeat returns the first one. */
  idempotencyKey?: string | null;
}

/**
 * Inserts a queued reconciliation; throws ReconciliationBusyError while the scheme has an active one,
 * SchemeGoneError when the scheme was deleted since the caller read it.
 */
export async function createReconciliation(db: Db, input: CreateReconciliationInput): Promise<Reconciliation> {
  const key = input.idempotencyKey ? `${input.createdById ?? "system"}:${input.schemeId}:${input.idempotencyKey}` : null;
  if (key) {
    const existing = await db.reconciliation.findUnique({ where: { idempotencyKey: key } });
    if (existing) return existing;
  }
  try {
    return await db.reconciliation.create({
      data: { schemeId: input.schemeId, trigger: input.trigger, keyLimit: input.keyLimit, createdById: input.createdById ?? null, idempotencyKey: key },
    });
  } catch (error) {
    if (isUniqueViolation(error, "reconciliations_one_active_per_scheme")) {
      throw new ReconciliationBusyError(input.schemeId, await findActiveReconciliation(db, input.schemeId));
    }
    if (key && isUniqueViolation(error, "idempotency_key")) return db.reconciliation.findUniqueOrThrow({ where: { idempotencyKey: key } });
    if (isForeignKeyViolation(error, "reconciliations_scheme_id_fkey")) throw new SchemeGoneError(input.schemeId);
    throw error;
  }
}

/**
 * Starts one more attempt: `running`, attempt + 1, and the keys an earlier attempt read are
 * dropped (a reconciliation is not resumed mid-read: it starts over, which a read of keys only
 * makes cheap enough). Null when it is finished or gone.
 */
export async function claimReconciliation(db: Db, id: string): Promise<Reconciliation | null> {
  const [, claimed] = await db.$transaction([
    db.reconciliationKey.deleteMany({ where: { reconciliationId: id } }),
    db.reconciliation.updateManyAndReturn({
      where: { id, status: { in: ["queued", "running"] } },
      data: { status: "running", attempt: { increment: 1 }, startedAt: new Date() },
    }),
  ]);
  return claimed[0] ?? null;
}

export interface ReconciliationKeyRow {
  /**
   * Null: a source record whose number template gives none (stored as ""): it is matched by the
   * number staging says it was written with, else unmatchable (completeReconciliation).
   */
  number: string | null;
  name?: string | null;
  sourceId?: string | null;
  targetId?: string | null;
}

/**
 * Adds a page of keys read from one side (one statement per page), fenced by the attempt: false
 * when another attempt took the reconciliation over (its keys must not mix with this one's).
 */
export async function addReconciliationKeys(
  db: Db,
  input: { id: string; attempt: number; side: "source" | "target"; keys: readonly ReconciliationKeyRow[] },
): Promise<boolean> {
  const rows = input.keys.map((k) => ({ number: k.number ?? "", name: k.name ?? null, source_id: k.sourceId ?? null, target_id: k.targetId ?? null }));
  const [owned] = await db.$queryRaw<{ owned: boolean }[]>`
    WITH fence AS (SELECT 1 FROM reconciliations WHERE id = ${input.id}::uuid AND attempt = ${input.attempt} AND status = 'running'),
    added AS (
      INSERT INTO reconciliation_keys (reconciliation_id, side, number, name, source_id, target_id)
      SELECT ${input.id}::uuid, ${input.side}, t.number, t.name, t.source_id, t.target_id
      FROM jsonb_to_recordset(${rowsJson(rows)}::jsonb) AS t(number text, name text, source_id text, target_id text)
      WHERE EXISTS (SELECT 1 FROM fence)
      RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM fence) AS owned`;
  return owned?.owned ?? false;
}

/** Drops the keys of a reconciliation whose row is gone (its scheme was deleted while it read). */
export async function dropOrphanReconciliationKeys(db: Db, id: string): Promise<void> {
  await db.$executeRaw`
    DELETE FROM reconciliation_keys WHERE reconciliation_id = ${id}::uuid AND NOT EXISTS (SELECT 1 FROM reconciliations WHERE id = ${id}::uuid)`;
}

/** Hands an attempt back (the worker is shutting down): queued again, its keys dropped; the next attempt starts over. */
export async function releaseReconciliation(db: Db, id: string, attempt: number): Promise<void> {
  await endAttempt(db, id, attempt, Prisma.sql`status = 'queued'`, ["running"]);
}

/** Ends an attempt that failed: the reason kept, the keys read dropped. */
export async function failReconciliation(db: Db, id: string, attempt: number, error: Message): Promise<void> {
  await endAttempt(db, id, attempt, Prisma.sql`status = 'failed', error = ${JSON.stringify(error)}::jsonb, finished_at = ${new Date()}::timestamp`, [
    "queued",
    "running",
  ]);
}

/**
 * An attempt's end (`set`), with its keys dropped, both only while the attempt owns the
 * reconciliation: a stalled attempt that ends after another took over (its job handed to a second
 * worker) must not drop the keys the new one is reading, which would make its report list every
 * record as missing or extra. Keys of a reconciliation whose row is gone go too.
 */
async function endAttempt(db: Db, id: string, attempt: number, set: Prisma.Sql, from: ("queued" | "running")[]): Promise<void> {
  await db.$executeRaw`
    WITH ended AS (
      UPDATE reconciliations SET ${set}
      WHERE id = ${id}::uuid AND attempt = ${attempt} AND status::text = ANY(${from}::text[])
      RETURNING id)
    DELETE FROM reconciliation_keys
    WHERE reconciliation_id = ${id}::uuid
      AND (EXISTS (SELECT 1 FROM ended) OR NOT EXISTS (SELECT 1 FROM reconciliations WHERE id = ${id}::uuid))`;
}

/**
 * Queued or running reconciliations created before `olderThan` (for the maintenance step that
 * re-delivers lost jobs), oldest first, `limit` at a time: the next page starts `after` the last of
 * the one before (keyset on created_at, id), so a backlog whose jobs wait cannot hide a lost one.
 */
export async function activeReconciliations(db: Db, olderThan: Date, page: { limit?: number; after?: { createdAt: Date; id: string } } = {}) {
  const { limit = 100, after } = page;
  return db.reconciliation.findMany({
    where: {
      status: { in: ["queued", "running"] },
      createdAt: { lt: olderThan },
      ...(after ? { OR: [{ createdAt: { gt: after.createdAt } }, { createdAt: after.createdAt, id: { gt: after.id } }] } : {}),
    },
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    select: { id: true, status: true, attempt: true, createdAt: true },
    take: limit,
  });
}

/** The scheme's reports, newest first (keyset by creation time). */
export async function listReconciliations(db: Db, schemeId: string, input: { limit: number; before?: Date }): Promise<Reconciliation[]> {
  return db.reconciliation.findMany({
    where: { schemeId, ...(input.before && { createdAt: { lt: input.before } }) },
    orderBy: { createdAt: "desc" },
    take: input.limit,
  });
}

export async function findReconciliation(db: Db, id: string): Promise<Reconciliation | null> {
  return db.reconciliation.findUnique({ where: { id } });
}

/** The kept keys of one category of a report, in number order (keyset by item id). */
export async function reconciliationItems(db: Db, id: string, input: { category: ReconciliationCategory; afterId?: bigint; limit: number }) {
  return db.reconciliationItem.findMany({
    where: { reconciliationId: id, category: input.category, ...(input.afterId !== undefined && { id: { gt: input.afterId } }) },
    orderBy: { id: "asc" },
    take: input.limit,
  });
}

export interface ReconcileSettings {
  /** Cron of the scheduled reconciliation (scheme's timezone); null: on demand only. */
  cron: string | null;
  /** 金蝶 FilterString limiting the target keys; null: the whole form. */
  filter: string | null;
}

/** The scheme's reconciliation settings with what scheduling needs; null when the scheme is gone. */
export async function reconcileSettings(db: Db, schemeId: string) {
  return db.scheme.findUnique({ where: { id: schemeId }, select: { id: true, reconcileCron: true, reconcileFilter: true, timezone: true, enabled: true, currentVersion: true } });
}

/** Saves the settings; SchemeGoneError when the scheme was deleted since the caller read it. */
export async function updateReconcileSettings(db: Db, schemeId: string, settings: ReconcileSettings) {
  const [saved] = await db.scheme.updateManyAndReturn({
    where: { id: schemeId },
    data: { reconcileCron: settings.cron, reconcileFilter: settings.filter },
    select: { id: true, reconcileCron: true, reconcileFilter: true, timezone: true, enabled: true, cron: true, currentVersion: true },
  });
  if (!saved) throw new SchemeGoneError(schemeId);
  return saved;
}
