import { withAuth, json } from "@/server/api";
import { connectorListSchema } from "@/lib/api/schemas";
import { connectorMetaList } from "@/server/catalog";

export const dynamic = "force-dynamic";

/** GET /api/connectors — every platform with its credential fields and APIs. */
export const GET = withAuth(async () => json(connectorListSchema, { connectors: connectorMetaList() }), { role: "viewer" });
