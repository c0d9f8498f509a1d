// What reaches better-auth's endpoints (/api/auth/*) passes here first: the body is read against
// QIAO_MAX_BODY_BYTES like every other route's, and email sign-in is throttled (sign-in-throttle.ts)
// per account and client address before better-auth checks the password.
import { localeFromAcceptLanguage, message, type Locale } from "@qiao/core";
import { config } from "@qiao/db";
import { z } from "zod";
import { errorResponse } from "./api";
import { auth } from "./auth";
import { clientAddress } from "./client-address";
import { ApiError } from "./errors";
import { logger } from "./logger";
import { readBodyBytes } from "./request-body";
import { createSignInThrottle, type SignInThrottle } from "./sign-in-throttle";

const SIGN_IN_PATH = "/api/auth/sign-in/email";
const signInAccount = z.object({ email: z.string().trim().toLowerCase().min(1) });

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
    if (new URL(req.url).pathname.replace(/\/+$/, "") !== SIGN_IN_PATH) return await auth().handler(forwarded);
    return await throttledSignIn(forwarded, body, clientAddress(req.headers, c.QIAO_TRUSTED_PROXY_HOPS), locale);
  } catch (error) {
    return errorResponse(error, locale);
  }
}

async function throttledSignIn(req: Request, body: Uint8Array, address: string, locale: Locale): Promise<Response> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    parsed = null;
  }
  const account = signInAccount.safeParse(parsed);
  // Without an email better-auth refuses the request itself: there is no password to guess.
  if (!account.success) return auth().handler(req);
  const email = account.data.email;
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
