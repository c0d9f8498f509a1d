import { sendTestAlert } from "@qiao/alerts";
import { render } from "@qiao/core";
import { getAlertChannel, prisma } from "@qiao/db";
import { alertChannelTestResultSchema } from "@/lib/api/schemas";
import { json, uuidParam, withAuth } from "@/server/api";
import { alertChannelDto, alertDeps } from "@/server/alert-channels";
import { notFound } from "@/server/errors";

export const dynamic = "force-dynamic";
type P = { id: string };
const WHAT = "告警渠道";

/**
 * POST /api/alert-channels/:id/test — 发送测试: a test message through the channel now (admin).
 * 200 either way: `ok` and the channel's error (in the caller's language) say how it went; a failure
 * is also kept on the channel.
 */
export const POST = withAuth<P>(async (_req, { params, locale }) => {
  const row = await getAlertChannel(prisma(), uuidParam(params.id, WHAT));
  if (!row) throw notFound(WHAT);
  const result = await sendTestAlert(alertDeps(), row);
  const after = (await getAlertChannel(prisma(), row.id)) ?? row;
  const error = result.errorMessage && render(result.errorMessage, locale);
  return json(alertChannelTestResultSchema, { ok: result.ok, ...(error && { error }), channel: alertChannelDto(after, locale) });
}, { role: "admin" });
