import { deleteAlertChannel, getAlertChannel, prisma, updateAlertChannel } from "@qiao/db";
import { alertChannelSchema, okSchema, updateAlertChannelBody } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { alertChannelDto, channelChange } from "@/server/alert-channels";
import { notFound } from "@/server/errors";

export const dynamic = "force-dynamic";
type P = { id: string };
const WHAT = "告警渠道";

/** GET /api/alert-channels/:id */
export const GET = withAuth<P>(async (_req, { params, locale }) => {
  const row = await getAlertChannel(prisma(), uuidParam(params.id, WHAT));
  if (!row) throw notFound(WHAT);
  return json(alertChannelSchema, alertChannelDto(row, locale));
}, { role: "viewer" });

/**
 * PATCH /api/alert-channels/:id — blank secrets stay as stored; checked as a whole like a new channel
 * (admin). What is sent is laid over the channel as it is when the edit is written (its row locked),
 * not as it was read here, so a password or secret saved in between is never left beside an address
 * it was not saved for; a channel whose address someone changed since this request read it is not
 * written (409, session 32).
 */
export const PATCH = withAuth<P>(async (req, { params, locale }) => {
  const id = uuidParam(params.id, WHAT);
  const body = await readJson(req, updateAlertChannelBody);
  const row = await getAlertChannel(prisma(), id);
  if (!row) throw notFound(WHAT);
  const updated = await updateAlertChannel(prisma(), id, await channelChange(row, body));
  if (!updated) throw notFound(WHAT);
  return json(alertChannelSchema, alertChannelDto(updated, locale));
}, { role: "admin" });

/** DELETE /api/alert-channels/:id — also removes it from every rule (admin). */
export const DELETE = withAuth<P>(async (_req, { params }) => {
  if (!(await deleteAlertChannel(prisma(), uuidParam(params.id, WHAT)))) throw notFound(WHAT);
  return json(okSchema, { ok: true });
}, { role: "admin" });
