// One HTTP POST over node:http(s) with keep-alive: what the connectors need from `fetch`, at a
// fraction of its cost per call (WHATWG streams, a Request and a Response object per call; a
// 100,000-record read of 管易云 spent about a third of its CPU there).
import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import { AddressRefusedError, guardedLookup, refusalOf, systemResolve, targetOf, type OutboundPolicy, type Resolve } from "./outbound";

/**
 * Keep-alive agents per policy (and resolver): every socket an agent opens looks its host up
 * through the policy, and a socket opened under one policy is never lent to a call under another.
 */
const agentCache = new Map<string, { "http:": http.Agent; "https:": https.Agent }>();
const resolverIds = new WeakMap<Resolve, number>();
let resolverCount = 0;

function agentsFor(url: URL, policy: OutboundPolicy, resolve: Resolve) {
  let resolverId = resolverIds.get(resolve);
  if (resolverId === undefined) resolverIds.set(resolve, (resolverId = resolverCount++));
  // Keyed by the target the lookup judges, port included as a call uses it: `url.host` leaves a
  // default port out, so http://h/ (80) shared https://h/'s agents and was judged as h:443.
  const target = targetOf(url);
  const key = JSON.stringify([resolverId, policy.allowPrivateTargets, policy.allowedHosts, target.host, target.port]);
  let agents = agentCache.get(key);
  if (!agents) {
    // Agent options override request options, so no request can bring a lookup of its own.
    const lookup = guardedLookup(target, policy, resolve);
    agents = {
      "http:": new http.Agent({ keepAlive: true, maxSockets: 32, lookup }),
      "https:": new https.Agent({ keepAlive: true, maxSockets: 32, lookup }),
    };
    agentCache.set(key, agents);
  }
  return agents;
}

export interface HttpAnswer {
  status: number;
  text: string;
  /** The Content-Type header ("" when absent), for describing an answer without quoting it. */
  contentType: string;
  /** Size of the body in bytes. */
  bytes: number;
  /** The Set-Cookie headers, one per cookie. */
  setCookies: string[];
}

export interface PostOptions {
  timeoutMs: number;
  policy: OutboundPolicy;
  signal?: AbortSignal;
  /** DNS (tests inject fake answers). */
  resolve?: Resolve;
}

/** The answer was larger than the policy's maxResponseBytes; the rest was not read. */
export class ResponseTooLargeError extends Error {
  override name = "ResponseTooLargeError";
  readonly code = "ERESPONSETOOLARGE";
  constructor(readonly limitBytes: number) {
    super(`the answer is larger than ${limitBytes} bytes`);
  }
}

/**
 * POSTs `body` to `url` and reads the whole answer as UTF-8. Rejects with an error named
 * "TimeoutError" after `timeoutMs`, "AbortError" when `signal` aborts, AddressRefusedError (nothing
 * sent) when the policy refuses the address, ResponseTooLargeError past `maxResponseBytes`, and
 * node's own errors (with their `code`, e.g. ECONNREFUSED) for the rest, as fetch would.
 */
export function httpPost(url: URL, body: string, headers: Record<string, string>, options: PostOptions): Promise<HttpAnswer> {
  const { timeoutMs, signal, policy } = options;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    // A socket given an IP address does not look it up, so the guarded lookup never sees it.
    const target = targetOf(url);
    const literalRule = isIP(target.host) ? refusalOf(target.host, target, policy) : undefined;
    if (literalRule) {
      reject(new AddressRefusedError(target.host, literalRule));
      return;
    }
    const client = url.protocol === "https:" ? https : http;
    const payload = Buffer.from(body, "utf8");
    let settled = false;
    const finish = (error: Error | null, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error) reject(error);
      else resolve(answer!);
    };
    const req = client.request(
      url,
      {
        method: "POST",
        agent: agentsFor(url, policy, options.resolve ?? systemResolve)[url.protocol === "https:" ? "https:" : "http:"],
        headers: { ...headers, "content-length": String(payload.length) },
      },
      (res) => {
        const limit = policy.maxResponseBytes;
        const tooLarge = () => {
          finish(new ResponseTooLargeError(limit));
          req.destroy();
        };
        if (Number(res.headers["content-length"] ?? 0) > limit) {
          tooLarge();
          return;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on("data", (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > limit) tooLarge();
          else chunks.push(chunk);
        });
        res.on("end", () =>
          finish(null, {
            status: res.statusCode ?? 0,
            text: Buffer.concat(chunks).toString("utf8"),
            contentType: res.headers["content-type"] ?? "",
            bytes,
            setCookies: res.headers["set-cookie"] ?? [],
          }),
        );
        res.on("error", (error) => finish(error));
        res.on("aborted", () => finish(Object.assign(new Error("the answer was cut off"), { code: "ECONNRESET" })));
      },
    );
    const timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms`);
      error.name = "TimeoutError";
      finish(error);
      req.destroy();
    }, timeoutMs);
    const onAbort = () => {
      finish(abortError());
      req.destroy();
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    req.on("error", (error) => finish(error));
    req.end(payload);
  });
}

function abortError(): Error {
  const error = new Error("the call was cancelled");
  error.name = "AbortError";
  return error;
}
