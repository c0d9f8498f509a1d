// What reaches better-auth's endpoints (/api/auth/*) passes here first: the body is read against
// QIAO_MAX_BODY_BYTES like every other route's, and email sign-in is throttled (sign-in-throttle.ts)
// per account and client address before better-auth checks the password.
//
// Only the writes the app uses reach better-auth (session 33's audit): sign-in by email and
// sign-out. better-auth also serves update-user, change-password, revoke-sessions … to any session,
// a viewer's too, outside the app's roles (users are managed by admins, /api/users) and, for
// change-password, outside the sign-in throttle. They answer 404 here.
import { localeFromAcceptLanguage, message, type Locale } from "@qiao/core";
import { config } from "@qiao/db";
import { z } from "zod";
import { errorResponse } from "./api";
import { auth } from "./auth";
import { clientAddress } from "./client-address";
import { ApiError, notFound } from "./errors";
import { logger } from "./logger";
import { readBodyBytes } from "./request-body";
import { createSignInThrottle, type SignInThrottle } from "./sign-in-throttle";

const SIGN_IN_PATH = "/api/auth/sign-in/email";
const SIGN_OUT_PATH = "/api/auth/sign-out";
const signInAccount = z.object({ email: z.string().trim().toLowerCase().min(1) });

/**
 * The email a sign-in body names, read as better-auth reads it: JSON, or a form
 * (application/x-www-form-urlencoded, which better-auth's /sign-in/email accepts too; uncounted
 * before session 33's audit, so guesses sent as a form were never throttled). A form naming more
 * than one email is refused: the throttle must count the account whose password is checked.
 */
function signInEmail(body: Uint8Array, contentType: string | null): string | null | "ambiguous" {
  const text = new TextDecoder().decode(body);
  let parsed: unknown = null;
  // By the media type alone (before any ";"), as better-call (better-auth's router) admits and reads
  // a body: a JSON body whose content type named the form type in a parameter was read as a form
  // here, found no email and went to better-auth uncounted (session 33's audit of its own change).
  // Any other media type better-auth refuses (415) before it checks a password.
  const media = (contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (media === "application/x-www-form-urlencoded") {
    const emails = new URLSearchParams(text).getAll("email");
    if (emails.length > 1) return "ambiguous";
    parsed = { email: emails[0] };
  } else {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = null;
    }
  }
  const account = signInAccount.safeParse(parsed);
  return account.success ? account.data.email : null;
}

const g = globalThis as unknown as { qiaoSignInThrottle?: SignInThrottle };
function signInThrottle(): SignInThrottle {
  const c = config();
  g.qiaoSignInThrottle ??= createSignInThrottle({ redisUrl: c.REDIS_URL, prefix: c.REDIS_PREFIX });
  return g.qiaoSignInThrottle;
}

export async function handleAuthPost(req: Request): Promise<Response> {
  const locale = localeFromAcceptLanguage(req.headers.get("accept-language"));
  try {
    const c = config();
    const body = await readBodyBytes(req, c.QIAO_MAX_BODY_BYTES);
    const forwarded = new Request(req.url, { method: req.method, headers: req.headers, body, signal: req.signal });
    const path = new URL(req.url).pathname.replace(/\/+$/, "");
    if (path === SIGN_OUT_PATH) return await auth().handler(forwarded);
    if (path !== SIGN_IN_PATH) throw notFound("接口");
    return await throttledSignIn(forwarded, body, clientAddress(req.headers, c.QIAO_TRUSTED_PROXY_HOPS), locale);
  } catch (error) {
    return errorResponse(error, locale);
  }
}

async function throttledSignIn(req: Request, body: Uint8Array, address: string, locale: Locale): Promise<Response> {
  const email = signInEmail(body, req.headers.get("content-type"));
  if (email === "ambiguous") throw new ApiError("bad_request", message("api.invalidBody"));
  // Without an email better-auth refuses the request itself: there is no password to guess.
  if (email === null) return auth().handler(req);
  const verdict = await signInThrottle().attempt(email, address);
  if (!verdict.allowed) {
    logger.warn({ email, address, retryAfterSeconds: verdict.retryAfterSeconds }, "sign-in throttled");
    const minutes = Math.ceil(verdict.retryAfterSeconds / 60);
    const res = errorResponse(new ApiError("too_many_requests", message("api.signInThrottled", { minutes })), locale);
    res.headers.set("retry-after", String(verdict.retryAfterSeconds));
    return res;
  }
  const res = await auth().handler(req);
  if (res.ok) await signInThrottle().succeeded(email, address);
  return res;
}
