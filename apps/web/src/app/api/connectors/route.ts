import { withAuth, json } from "@/server/api";
import { connectorListSchema } from "@/lib/api/schemas";
import { connectorDtos } from "@/server/catalog";

export const dynamic = "force-dynamic";

/** GET /api/connectors — every platform with its credential fields and APIs. */
export const GET = withAuth(async () => json(connectorListSchema, { connectors: connectorDtos() }), { role: "viewer" });
