// Alert rules for the API: DTOs, and a rule's scheme checked before it is saved.
import { prisma, schemeName, type AlertRuleRow } from "@qiao/db";
import type { AlertRuleDto } from "@/lib/api/schemas";
import { message } from "@qiao/core";
import { fieldError } from "./errors";

export function alertRuleDto(row: AlertRuleRow): AlertRuleDto {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    schemeId: row.schemeId,
    threshold: row.threshold,
    channelIds: row.channelIds,
    enabled: row.enabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** A per-scheme rule must name a scheme that exists (null: every scheme). */
export async function checkRuleScheme(schemeId: string | null): Promise<void> {
  if (schemeId === null || (await schemeName(prisma(), schemeId)) !== undefined) return;
  throw fieldError(["schemeId"], message("api.alertRuleSchemeMissing"));
}
