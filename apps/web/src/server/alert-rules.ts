// Alert rules for the API: DTOs, and the refusal of a rule naming a scheme or channel that does not exist.
import { AlertChannelMissing, SchemeGoneError, type AlertRuleRow } from "@qiao/db";
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

/**
 * Runs `save` (createAlertRule, updateAlertRule: they check in their transaction what the rule
 * names); a scheme or channel that does not exist becomes a 400 on schemeId or channelIds.
 */
export async function refusingMissingReferences<T>(save: () => Promise<T>): Promise<T> {
  try {
    return await save();
  } catch (error) {
    if (error instanceof SchemeGoneError) throw fieldError(["schemeId"], message("api.alertRuleSchemeMissing"));
    if (error instanceof AlertChannelMissing) throw fieldError(["channelIds"], message("api.alertChannelMissing"));
    throw error;
  }
}
