import { prisma, resetSchemeCursor } from "@qiao/db";
import { resetCursorBody, schemeEnvelopeSchema } from "@/lib/api/schemas";
import { json, readJson, uuidParam, withAuth } from "@/server/api";
import { notFound } from "@/server/errors";
import { connectionNames, schemeDto } from "@/server/schemes";

export const dynamic = "force-dynamic";

/**
 * POST /api/schemes/:id/cursor/reset — 从头读取: clears the scheme's read cursor (LAST_SYNC_TIME), so
 * its next run reads every record again (staging's hashes keep unchanged records from being sent
 * again); a run of an older version no longer sets it. The scheme, with `readCursor`. 409 while a
 * run of the scheme (other than a test) is queued or running; a second call changes nothing.
 */
export const POST = withAuth<{ id: string }>(async (req, { params, locale }) => {
  const db = prisma();
  const id = uuidParam(params.id, "集成方案");
  await readJson(req, resetCursorBody);
  const row = await resetSchemeCursor(db, id);
  if (!row) throw notFound("集成方案");
  return json(schemeEnvelopeSchema, { scheme: schemeDto(row, await connectionNames(db), locale) });
}, { role: "editor" });
