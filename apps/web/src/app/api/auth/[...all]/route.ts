// better-auth's own endpoints (sign-in, sign-out, session). Public by nature.
import { auth } from "@/server/auth";

export const dynamic = "force-dynamic";

export function GET(req: Request): Promise<Response> {
  return auth().handler(req);
}

export function POST(req: Request): Promise<Response> {
  return auth().handler(req);
}
