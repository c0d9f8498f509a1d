import { createValueMap, listValueMaps, prisma } from "@qiao/db";
import { createValueMapBody, valueMapListQuery, valueMapListSchema, valueMapSchema } from "@/lib/api/schemas";
import { json, readJson, readQuery, withAuth } from "@/server/api";
import { refusingConflicts, VALUE_MAP_BODY, valueMapDto, valueMapSummaryDto } from "@/server/value-maps";

export const dynamic = "force-dynamic";

/** GET /api/value-maps?q= — the value maps (without their entries), by name; q searches names and descriptions. */
export const GET = withAuth(async (req) => {
  const { q } = readQuery(req, valueMapListQuery);
  const rows = await listValueMaps(prisma(), q);
  return json(valueMapListSchema, { valueMaps: rows.map(valueMapSummaryDto) });
}, { role: "viewer" });

/**
 * POST /api/value-maps — create a map; 400 for an empty or taken name, a repeated source value, or
 * too many rows or bytes. Bodies up to VALUE_MAP_BODY_BYTES (about 16 MB, from the map's limits, not
 * QIAO_MAX_IMPORT_BYTES): a 10,000-row map with Chinese values passes the 1 MB of other bodies.
 */
export const POST = withAuth(async (req) => {
  const body = await readJson(req, createValueMapBody, VALUE_MAP_BODY);
  const row = await refusingConflicts(() => createValueMap(prisma(), body));
  return json(valueMapSchema, valueMapDto(row), 201);
}, { role: "editor", bodyLimit: VALUE_MAP_BODY.maxBytes });
