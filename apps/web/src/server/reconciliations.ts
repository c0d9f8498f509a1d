// Reconciliation (对账) for the routes: rows → DTOs in the caller's language, the report found or a 404.
import { render, storedMessage, type Locale } from "@qiao/core";
import { findReconciliation, type Db, type ReconciliationModel } from "@qiao/db";
import type { ReconciliationDto } from "@/lib/api/schemas";
import { notFound } from "./errors";

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function reconciliationDto(r: ReconciliationModel, locale: Locale): ReconciliationDto {
  const error = storedMessage(r.error);
  return {
    id: r.id,
    schemeId: r.schemeId,
    trigger: r.trigger === "schedule" ? "schedule" : "manual",
    status: r.status,
    sourceCount: r.sourceCount,
    targetCount: r.targetCount,
    matched: r.matched,
    missing: r.missing,
    missingWritten: r.missingWritten,
    extra: r.extra,
    different: r.different,
    unmatchable: r.unmatchable,
    sourcePasses: r.sourcePasses,
    sourceMoved: r.sourceMoved,
    keyLimit: r.keyLimit,
    error: error ? render(error, locale) : null,
    resyncRunId: r.resyncRunId,
    resyncCount: r.resyncCount,
    createdAt: r.createdAt.toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
  };
}

export async function findReport(db: Db, id: string): Promise<ReconciliationModel> {
  const row = await findReconciliation(db, id);
  if (!row) throw notFound("对账报告");
  return row;
}
