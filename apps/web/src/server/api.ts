// Every route handler is wrapped once: authentication (session cookie or API token), the
// cross-site check for state-changing requests, body parsing with zod, and error mapping.
import { DEFAULT_LOCALE, hasRole, localeFromAcceptLanguage, message, render, roleSchema, type Locale, type Message, type Role } from "@qiao/core";
import { ActiveRunRefusal, config, findUserByApiToken, prisma, SchemeGoneError } from "@qiao/db";
import { NextRequest, NextResponse } from "next/server";
import { createHash, timingSafeEqual } from "node:crypto";
import { ReconciliationBusyError, ResyncError, RunRequestError, SchemeBusyError } from "@qiao/jobs";
import { ZodError, z } from "zod";
import { auth } from "./auth";
import { idempotencyKeySchema } from "@/lib/api/idempotency";
import { ApiError, fieldError, fromZodError, notFound, safeParseBilingual, type Thing } from "./errors";
import { logger } from "./logger";
import { readBodyBytes, refuseDeclaredOversize } from "./request-body";

export interface Principal {
  userId: string;
  email: string;
  /** For a token: the lower of its own role and its owner's current one. */
  role: Role;
  via: "session" | "token" | "metrics-token";
  /** For a token: which one, and when it (or a token up its chain) expires; null: never. */
  token?: { id: string; expiresAt: Date | null };
  /** For a session: its id (a token minted with it checks, as it is inserted, that it was not ended meanwhile). */
  sessionId?: string;
}

/** Who QIAO_METRICS_TOKEN authenticates: nobody, and only on routes that accept it (GET /api/metrics). */
const METRICS_SCRAPER: Principal = { userId: "metrics-token", email: "", role: "viewer", via: "metrics-token" };

/** The request carries `Authorization: Bearer <QIAO_METRICS_TOKEN>` (compared in constant time). */
function hasMetricsToken(req: Request): boolean {
  const expected = config().QIAO_METRICS_TOKEN;
  const header = req.headers.get("authorization");
  if (!expected || !header?.toLowerCase().startsWith("bearer ")) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(header.slice(7).trim()), digest(expected));
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export async function principalFrom(req: Request): Promise<Principal | null> {
  const header = req.headers.get("authorization");
  if (header?.toLowerCase().startsWith("bearer ")) {
    const found = await findUserByApiToken(prisma(), header.slice(7).trim());
    return found ? { userId: found.user.id, email: found.user.email, role: found.role, via: "token", token: found.token } : null;
  }
  const session = await auth().api.getSession({ headers: req.headers });
  if (!session) return null;
  // better-auth reads the user row on every request: a role change applies at once.
  const role = roleSchema.parse(session.user.role);
  return { userId: session.user.id, email: session.user.email, role, via: "session", sessionId: session.session.id };
}

/** Cookie-authenticated writes must come from our own origin (tokens are not sent by browsers). */
function assertSameOrigin(req: NextRequest): void {
  const origin = req.headers.get("origin");
  const fetchSite = req.headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none") {
    throw new ApiError("forbidden", message("api.crossSite"));
  }
  // The whole origin (scheme, host and port) must match; "null" (sandboxed frames) never does.
  if (origin && !allowedOrigins(req).has(origin)) throw new ApiError("forbidden", message("api.crossSite"));
}

/** Our origin as the browser sees it (also behind a proxy), and QIAO_TRUSTED_ORIGINS. */
function allowedOrigins(req: NextRequest): Set<string> {
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  const proto = req.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() || req.nextUrl.protocol.replace(/:$/, "");
  const trusted = config().QIAO_TRUSTED_ORIGINS.flatMap((o) => (URL.canParse(o) ? [new URL(o).origin] : []));
  return new Set([req.nextUrl.origin, ...(host ? [`${proto}://${host}`] : []), ...trusted]);
}

/** The JSON body checked by `schema`; at most QIAO_MAX_BODY_BYTES unless the route allows `maxBytes`. */
export async function readJson<S extends z.ZodType>(
  req: Request,
  schema: S,
  { maxBytes = config().QIAO_MAX_BODY_BYTES }: { maxBytes?: number } = {},
): Promise<z.infer<S>> {
  const bytes = await readBodyBytes(req, maxBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ApiError("bad_request", message("api.bodyNotUtf8"));
  }
  let value: unknown;
  try {
    value = text.length === 0 ? {} : JSON.parse(text);
  } catch {
    throw new ApiError("bad_request", message("api.bodyNotJson"));
  }
  refuseUnstorable(value);
  return parseBilingual(schema, value);
}

/** A lone UTF-16 surrogate: in "u" mode a pair is one code point, so only an unpaired half matches. */
const LONE_SURROGATE = /\p{Cs}/u;

type Unstorable = "nul" | "surrogate";

/** What in `s` Postgres cannot store as sent: U+0000, or a lone UTF-16 surrogate. */
function unstorableIn(s: string): Unstorable | undefined {
  if (s.includes("\u0000")) return "nul";
  return LONE_SURROGATE.test(s) ? "surrogate" : undefined;
}

/**
 * Where in `value` a string (or a key) holds U+0000 or a lone UTF-16 surrogate, and which, or
 * undefined. Walked with a stack of its own, each entry naming its parent (the path is built only for
 * the one found): a body is any JSON up to the size limit, and 500,000 nested arrays would overflow
 * the call stack, or copy a path per level.
 */
export function unstorableAt(value: unknown): { path: (string | number)[]; what: Unstorable } | undefined {
  type Step = { value: unknown; key: string | number; parent: Step | undefined };
  const pathOf = (step: Step | undefined, last?: string): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let s = step; s?.parent !== undefined; s = s.parent) path.push(s.key);
    path.reverse();
    if (last !== undefined) path.push(last);
    return path;
  };
  const stack: Step[] = [{ value, key: "", parent: undefined }];
  for (let step = stack.pop(); step !== undefined; step = stack.pop()) {
    const v = step.value;
    if (typeof v === "string") {
      const what = unstorableIn(v);
      if (what) return { path: pathOf(step), what };
    } else if (Array.isArray(v)) {
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], key: i, parent: step });
    } else if (typeof v === "object" && v !== null) {
      for (const [key, child] of Object.entries(v)) {
        const what = unstorableIn(key);
        if (what) return { path: pathOf(step, key), what };
        stack.push({ value: child, key, parent: step });
      }
    }
  }
  return undefined;
}

/**
 * A NUL character (U+0000) or a lone UTF-16 surrogate ("\ud800", valid JSON) anywhere in a request's
 * values is a 400 naming where. Postgres keeps no NUL in text or jsonb, and refuses a lone surrogate
 * in jsonb (22P02), so either passed the schemas and failed the statement as a 500 (sessions 25 and
 * 35's audits); in a text column node-postgres wrote the surrogate as U+FFFD: a name nobody sent was
 * stored, and two idempotency keys became one (session 35).
 */
function refuseUnstorable(value: unknown): void {
  const found = unstorableAt(value);
  if (!found) return;
  // A path as deep as the body is cut: the answer names where it starts.
  const path = found.path.length > 32 ? [...found.path.slice(0, 32), "…"] : found.path;
  throw fieldError(path, message(found.what === "nul" ? "api.nulCharacter" : "api.loneSurrogate"));
}

/** Query parameters, checked like a body (`?status=failed&cursor=…`). */
export function readQuery<S extends z.ZodType>(req: NextRequest, schema: S): z.infer<S> {
  refuseUnstorable(Object.fromEntries(req.nextUrl.searchParams));
  return parseBilingual(schema, Object.fromEntries(req.nextUrl.searchParams), message("api.invalidQuery"));
}

/** Parses with zod's zh-CN messages, each issue also in English (safeParseBilingual); a refusal is a 400. */
function parseBilingual<S extends z.ZodType>(schema: S, value: unknown, text?: Message): z.infer<S> {
  const parsed = safeParseBilingual(schema, value);
  if (parsed.success) return parsed.data;
  throw fromZodError(parsed.error, text, parsed.english);
}

/**
 * The request's idempotency key: the body's, else the Idempotency-Key header, checked like the body
 * field (a header of any length reached the unique index and failed there with a 500).
 */
export function idempotencyKeyOf(req: Request, fromBody: string | undefined): string | undefined {
  if (fromBody !== undefined) return fromBody;
  const header = req.headers.get("idempotency-key");
  if (header === null) return undefined;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) throw fromZodError(new z.ZodError(parsed.error.issues.map((i) => ({ ...i, path: ["idempotencyKey"] }))));
  return parsed.data;
}

/** A path id that cannot exist is a 404, not a database error. */
export function uuidParam(value: string | string[] | undefined, what: Thing): string {
  const parsed = z.uuid().safeParse(value);
  if (!parsed.success) throw notFound(what);
  return parsed.data;
}

/** A typed JSON answer: `data` must match the response schema the OpenAPI document declares. */
export function json<S extends z.ZodType>(_schema: S, data: z.input<S>, status = 200): NextResponse {
  return NextResponse.json(data, { status });
}

export function errorResponse(error: unknown, locale: Locale = DEFAULT_LOCALE): NextResponse {
  if (error instanceof SchemeBusyError) return errorResponse(new ApiError("scheme_busy", error.text), locale);
  // A target switch or 从头读取 while a run of the scheme is active.
  if (error instanceof ActiveRunRefusal) return errorResponse(new ApiError("scheme_busy", error.text), locale);
  if (error instanceof ReconciliationBusyError) return errorResponse(new ApiError("conflict", error.text), locale);
  // A write of a scheme deleted after the route read it (two tabs, two people).
  if (error instanceof SchemeGoneError) return errorResponse(notFound("集成方案"), locale);
  if (error instanceof ResyncError) return errorResponse(new ApiError(error.code === "invalid" ? "conflict" : error.code, error.text), locale);
  if (error instanceof RunRequestError) {
    const issues = error.issues.map((i) => ({ path: ["options", ...i.path.split(".")], message: i.message, messageEn: i.messageEn }));
    return errorResponse(new ApiError(error.code === "not_found" ? "not_found" : "validation_failed", error.text, issues), locale);
  }
  if (error instanceof ApiError) {
    return NextResponse.json(
      { error: { code: error.code, message: error.textIn(locale), issues: error.issues } },
      { status: error.status },
    );
  }
  if (error instanceof ZodError) return errorResponse(fromZodError(error), locale);
  logger.error({ err: error }, "unhandled API error");
  return NextResponse.json({ error: { code: "internal", message: render(message("api.internal"), locale) } }, { status: 500 });
}

type Params = Record<string, string | string[]>;
export interface HandlerContext<P extends Params> {
  principal: Principal;
  params: P;
  /** The caller's language (Accept-Language; zh-CN by default): what the answer's messages are rendered in. */
  locale: Locale;
}

const ROLE_REFUSAL: Record<Role, Message> = {
  viewer: message("api.needsViewer"),
  editor: message("api.needsEditor"),
  admin: message("api.needsAdmin"),
};

/**
 * Wraps a route handler: `export const GET = withAuth(async (req, { principal, params }) => …, { role: "viewer" })`.
 * `role` is the least role the route needs (viewer < editor < admin); every route must name one,
 * and apps/web/e2e/route-rules.ts must list it (e2e/roles.spec.ts checks both agree). Bodies are
 * bounded by QIAO_MAX_BODY_BYTES, or QIAO_MAX_IMPORT_BYTES with `bodyLimit: "import"`, or a route's
 * own number of bytes (the value-map routes: VALUE_MAP_BODY_BYTES).
 */
export function withAuth<P extends Params = Params>(
  handler: (req: NextRequest, ctx: HandlerContext<P>) => Promise<Response>,
  options: { role: Role; bodyLimit?: "import" | number; metricsToken?: true },
) {
  return async (req: NextRequest, route: { params: Promise<P> }): Promise<Response> => {
    const locale = localeFromAcceptLanguage(req.headers.get("accept-language"));
    try {
      const c = config();
      const limit = options.bodyLimit === "import" ? c.QIAO_MAX_IMPORT_BYTES : (options.bodyLimit ?? c.QIAO_MAX_BODY_BYTES);
      // Who is calling is known from the headers: decided before a byte of the body is read, so an
      // anonymous or under-privileged caller cannot make the server hold a body (session 31's audit).
      const first = await authorize(req, options);
      refuseDeclaredOversize(req, limit);
      const bounded = await boundedBody(req, limit);
      // A body may take minutes to arrive: a password reset, a demotion or a revocation in between
      // must stop the request (session 31's audit), so the caller is looked up again once it is in.
      const principal = bounded === req ? first : await authorize(bounded, options);
      return await handler(bounded, { principal, params: await route.params, locale });
    } catch (error) {
      return errorResponse(error, locale);
    }
  };
}

/** The caller from the request's headers, checked against the route's role: 401, 403 (role, or a cross-site write). */
async function authorize(req: NextRequest, options: { role: Role; metricsToken?: true }): Promise<Principal> {
  const principal = options.metricsToken && hasMetricsToken(req) ? METRICS_SCRAPER : await principalFrom(req);
  if (!principal) throw new ApiError("unauthorized", message("api.signInFirst"));
  if (principal.via === "session" && !SAFE_METHODS.has(req.method)) assertSameOrigin(req);
  if (principal.via !== "metrics-token" && !hasRole(principal.role, options.role)) throw new ApiError("forbidden", ROLE_REFUSAL[options.role]);
  return principal;
}

/**
 * Every route's body is bounded, whether or not the route reads it: a declared Content-Length over
 * the limit is refused before anything is read (refuseDeclaredOversize); any body is read here, cut
 * off at the limit, and handed on from memory (the same request when there is none).
 */
async function boundedBody(req: NextRequest, limit: number): Promise<NextRequest> {
  if (!req.body) return req;
  const bytes = await readBodyBytes(req, limit);
  return new NextRequest(req.url, { method: req.method, headers: req.headers, body: bytes });
}
