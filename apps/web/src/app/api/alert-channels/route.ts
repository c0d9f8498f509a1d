import { createAlertChannel, listAlertChannels, prisma } from "@qiao/db";
import { alertChannelListSchema, alertChannelSchema, createAlertChannelBody } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { alertChannelDto, channelInput } from "@/server/alert-channels";

export const dynamic = "force-dynamic";

/** GET /api/alert-channels — every channel, with which secrets are set (never their values) and its last failure. */
export const GET = withAuth(async (_req, { locale }) => {
  const rows = await listAlertChannels(prisma());
  return json(alertChannelListSchema, { channels: rows.map((row) => alertChannelDto(row, locale)) });
}, { role: "viewer" });

/**
 * POST /api/alert-channels — create a channel (admin). 400, nothing saved, when a field is wrong,
 * the address is refused by the outbound policy, or the SMTP server refuses the login.
 */
export const POST = withAuth(async (req, { locale }) => {
  const body = await readJson(req, createAlertChannelBody);
  const row = await createAlertChannel(prisma(), await channelInput(body));
  return json(alertChannelSchema, alertChannelDto(row, locale), 201);
}, { role: "admin" });
