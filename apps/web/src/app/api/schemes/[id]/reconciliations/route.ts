import { config, listReconciliations, prisma } from "@qiao/db";
import { requestReconciliation } from "@qiao/jobs";
import { reconciliationEnvelopeSchema, reconciliationListQuery, reconciliationListSchema, startReconciliationBody } from "@/lib/api/schemas";
import { idempotencyKeyOf, json, readJson, readQuery, uuidParam, withAuth } from "@/server/api";
import { runQueue } from "@/server/queue";
import { reconciliationDto } from "@/server/reconciliations";
import { findScheme } from "@/server/schemes";

export const dynamic = "force-dynamic";
type P = { id: string };

/** GET /api/schemes/:id/reconciliations — the scheme's reconciliation reports, newest first (`before` pages back). */
export const GET = withAuth<P>(async (req, { params, locale }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const { before, limit } = readQuery(req, reconciliationListQuery);
  const rows = await listReconciliations(db, scheme.id, { limit: limit + 1, ...(before && { before: new Date(before) }) });
  const page = rows.slice(0, limit);
  return json(reconciliationListSchema, {
    reconciliations: page.map((r) => reconciliationDto(r, locale)),
    nextBefore: rows.length > limit ? (page.at(-1)?.createdAt.toISOString() ?? null) : null,
  });
}, { role: "viewer" });

/**
 * POST /api/schemes/:id/reconciliations — reconcile now: 202 with the queued reconciliation; 409
 * while the scheme is being reconciled. An Idempotency-Key (header or body) returns the first one.
 */
export const POST = withAuth<P>(async (req, { principal, params, locale }) => {
  const db = prisma();
  const scheme = await findScheme(db, uuidParam(params.id, "集成方案"));
  const body = await readJson(req, startReconciliationBody);
  const idempotencyKey = idempotencyKeyOf(req, body.idempotencyKey);
  const row = await requestReconciliation(db, runQueue(), {
    schemeId: scheme.id,
    trigger: "manual",
    keyLimit: config().QIAO_RECONCILE_KEY_LIMIT,
    createdById: principal.userId,
    ...(idempotencyKey && { idempotencyKey }),
  });
  return json(reconciliationEnvelopeSchema, { reconciliation: reconciliationDto(row, locale) }, 202);
}, { role: "editor" });
