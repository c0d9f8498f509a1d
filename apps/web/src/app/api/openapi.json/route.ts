import { NextResponse } from "next/server";
import { openApiDocument } from "@/lib/api/openapi";
import { withAuth } from "@/server/api";

export const dynamic = "force-dynamic";

let cached: ReturnType<typeof openApiDocument> | undefined;

/** GET /api/openapi.json — the OpenAPI 3.1 description of this API. */
export const GET = withAuth(async () => {
  cached ??= openApiDocument();
  return NextResponse.json(cached);
}, { role: "viewer" });
