// Fast path only: pages without a session cookie go to the sign-in page before rendering.
// The real checks are in the (app) layout and in every API handler (withAuth).
import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";

export function proxy(req: NextRequest) {
  if (getSessionCookie(req)) return NextResponse.next();
  const url = new URL("/sign-in", req.url);
  url.searchParams.set("next", req.nextUrl.pathname + req.nextUrl.search);
  return NextResponse.redirect(url);
}

export const config = {
  // Everything except the API (it answers 401 itself), the sign-in page and static assets.
  matcher: ["/((?!api/|sign-in|_next/|favicon.ico).*)"],
};
