// Every page request: a Content-Security-Policy with a fresh nonce (see server/security-headers.ts),
// and the fast path to sign-in for pages without a session cookie. The real checks are in the
// (app) layout and in every API handler (withAuth).
import { getSessionCookie } from "better-auth/cookies";
import { NextResponse, type NextRequest } from "next/server";
import { pageContentSecurityPolicy } from "@/server/security-headers";

export function proxy(req: NextRequest) {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const csp = pageContentSecurityPolicy(nonce, process.env.NODE_ENV === "development");
  let res: NextResponse;
  if (req.nextUrl.pathname === "/sign-in" || getSessionCookie(req)) {
    const headers = new Headers(req.headers);
    headers.set("content-security-policy", csp);
    res = NextResponse.next({ request: { headers } });
  } else {
    const url = new URL("/sign-in", req.url);
    url.searchParams.set("next", req.nextUrl.pathname + req.nextUrl.search);
    res = NextResponse.redirect(url);
  }
  res.headers.set("content-security-policy", csp);
  return res;
}

export const config = {
  // Pages only: the API answers 401 itself and gets its headers from next.config.ts; static
  // assets need no nonce.
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico).*)"],
};
