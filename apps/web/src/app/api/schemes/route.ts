import { listSchemesWithLastRun, prisma } from "@qiao/db";
import { createSchemeBody, schemeEnvelopeSchema, schemeListSchema } from "@/lib/api/schemas";
import { json, readJson, withAuth } from "@/server/api";
import { connectionNames, createScheme, schemeDto, schemeSummaryDto } from "@/server/schemes";

export const dynamic = "force-dynamic";

/** GET /api/schemes — every scheme with source → target, schedule and its latest (non-test) run. */
export const GET = withAuth(async (_req, { locale }) => {
  const db = prisma();
  const [rows, names] = await Promise.all([listSchemesWithLastRun(db), connectionNames(db)]);
  return json(schemeListSchema, { schemes: rows.map((r) => schemeSummaryDto(r, names, locale)) });
}, { role: "viewer" });

/** POST /api/schemes — create a scheme (version 1); a definition that does not compile is a 400 with its issues. */
export const POST = withAuth(async (req, { principal, locale }) => {
  const db = prisma();
  const body = await readJson(req, createSchemeBody);
  const row = await createScheme(db, body, principal.userId);
  return json(schemeEnvelopeSchema, { scheme: schemeDto(row, await connectionNames(db), locale) }, 201);
}, { role: "editor" });
