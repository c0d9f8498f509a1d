import { deleteAlertRule, prisma, updateAlertRule } from "@qiao/db";
import { alertRuleSchema, okSchema, updateAlertRuleBody } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { alertRuleDto, refusingMissingReferences } from "@/server/alert-rules";
import { notFound } from "@/server/errors";

export const dynamic = "force-dynamic";
type P = { id: string };
const WHAT = "告警规则";

/** PATCH /api/alert-rules/:id — change a rule's name, scheme, threshold, channels or enabled (editor; its kind stays). */
export const PATCH = withAuth<P>(async (req, { params }) => {
  const id = uuidParam(params.id, WHAT);
  const body = await readJson(req, updateAlertRuleBody);
  const row = await refusingMissingReferences(() => updateAlertRule(prisma(), id, body));
  if (!row) throw notFound(WHAT);
  return json(alertRuleSchema, alertRuleDto(row));
}, { role: "editor" });

/** DELETE /api/alert-rules/:id (editor) */
export const DELETE = withAuth<P>(async (_req, { params }) => {
  if (!(await deleteAlertRule(prisma(), uuidParam(params.id, WHAT)))) throw notFound(WHAT);
  return json(okSchema, { ok: true });
}, { role: "editor" });
