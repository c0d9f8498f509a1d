// better-auth's own endpoints (sign-in, sign-out, session). Public by nature; POST bodies are size
// limited and sign-in is throttled first (server/auth-requests.ts).
import { auth } from "@/server/auth";
import { handleAuthPost } from "@/server/auth-requests";

export const dynamic = "force-dynamic";

export function GET(req: Request): Promise<Response> {
  return auth().handler(req);
}

export function POST(req: Request): Promise<Response> {
  return handleAuthPost(req);
}
