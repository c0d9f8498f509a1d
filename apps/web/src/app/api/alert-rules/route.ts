import { createAlertRule, listAlertRules, prisma } from "@qiao/db";
import { alertRuleListSchema, alertRuleSchema, createAlertRuleBody } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { alertRuleDto, refusingMissingReferences } from "@/server/alert-rules";

export const dynamic = "force-dynamic";

/** GET /api/alert-rules */
export const GET = withAuth(async () => {
  const rows = await listAlertRules(prisma());
  return json(alertRuleListSchema, { rules: rows.map(alertRuleDto) });
}, { role: "viewer" });

/** POST /api/alert-rules — create a rule (editor); 400 for a negative threshold, an unknown scheme or channel. */
export const POST = withAuth(async (req) => {
  const body = await readJson(req, createAlertRuleBody);
  const row = await refusingMissingReferences(() => createAlertRule(prisma(), body));
  return json(alertRuleSchema, alertRuleDto(row), 201);
}, { role: "editor" });
