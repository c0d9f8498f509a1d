// The 金蝶云星空 WebAPI from the server's side (shared/protocols/kingdee.md and
// kingdee-documents.md): AuthService and DynamicFormService under /k3cloud/, sessions by cookie,
// both body shapes, fault injection, and an admin/inspection API under /__admin/. The forms
// (BD_Customer, BD_MATERIAL, SAL_OUTSTOCK, and base data BD_STOCK / BD_UNIT) live in ./forms.ts, the services in ./services.ts,
// sessions in ./sessions.ts, the admin API in ./admin.ts. Written from the protocol docs, sharing no
// code with the connector.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { kingdeeBaseMs, LatencyDice, sleep } from "../latency";
import { seededRandom } from "../random";
import { adminCall } from "./admin";
import type { CustomerStore } from "./customers";
import { FormRegistry } from "./forms";
import { failure, json, loginAcctId, readBody, recordsInCall, type Answer } from "./http";
import { InFlight, type InFlightCounts } from "./in-flight";
import {
  DEFAULT_ACCOUNT,
  DEFAULT_REQUIRED_FIELDS,
  DEFAULT_SEED,
  DEFAULT_SESSION_TTL_MS,
  NO_FAULTS,
  type FaultKind,
  type KingdeeFaults,
  type KingdeeSimOptions,
  type QueuedFault,
} from "./options";
import { formServices } from "./services";
import { Sessions, type Session } from "./sessions";

export interface FormStats {
  records: number;
  /** Creates whose number (FNumber / FBillNo) already existed, also within one batch. */
  duplicateAttempts: number;
}

export interface KingdeeSimStats {
  customers: number;
  /** Per form id: records held and duplicate attempts. */
  forms: Record<string, FormStats>;
  /** Calls per service method (ValidateUser, BatchSave …), faulted ones included. */
  calls: Record<string, number>;
  /**
   * ExecuteBillQuery calls per form id (BD_STOCK, BD_Customer …, in the form's own spelling) that
   * reached the form: not those faulted before it or naming an unknown form (those are in `calls`).
   */
  queries: Record<string, number>;
  logins: number;
  loginFailures: number;
  /** Create attempts of a number that already existed, summed over the forms. */
  duplicateAttempts: number;
  sessions: number;
  faultsInjected: Partial<Record<FaultKind, number>>;
  /** Save / BatchSave calls that waited `slowCommitMs` before committing. */
  slowCommits: number;
  faults: KingdeeFaults;
  queuedFaults: QueuedFault[];
  /** Service calls in flight per data center (acctID): now and the most at once. */
  concurrency: Record<string, InFlightCounts>;
}

export interface KingdeeSimulator {
  /** Resolves to the ServerUrl a connection uses, e.g. http://127.0.0.1:4020/k3cloud/. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** BD_Customer, for in-process tests. */
  readonly store: CustomerStore;
  /** Every form, the base data and the stock, for in-process tests. */
  readonly forms: FormRegistry;
  stats(): KingdeeSimStats;
  setFaults(faults: Partial<KingdeeFaults>): KingdeeFaults;
  /** Faults for upcoming calls, one call each, in order. */
  injectNext(...faults: QueuedFault[]): void;
  expireSessions(): void;
  /** Empties the forms, stock, sessions, counters and queued faults; base data and faults return to the configured ones. */
  reset(): void;
  /** Service calls in flight per data center (acctID): now, and the most at once since the last reset. */
  concurrency(): Record<string, InFlightCounts>;
  /** Restarts the maxima from what is in flight now (also done by reset). */
  resetConcurrency(): void;
}

const SERVICE_PATH = /^\/k3cloud\/Kingdee\.BOS\.WebApi\.ServicesStub\.(AuthService|DynamicFormService)\.(\w+)\.common\.kdsvc$/;
const SESSION_LOST = "会话信息已丢失，请重新登录";
const MSG = { sessionLost: 1, badParameter: 8, netControl: 13, callLimit: 14 } as const;
/** Calls that change data: an injected error may come after their commit (errorAfterCommit). */
const WRITES = new Set(["BatchSave", "Save", "Submit", "Audit", "CancelAssign"]);
/** Calls whose commit slowCommitEvery may delay. */
const SAVES = new Set(["BatchSave", "Save"]);
type ParsedBody = { ok: true; body: Record<string, unknown> } | { ok: false; message: string };
const FORM_METHODS = new Set(["BatchSave", "Save", "View", "ExecuteBillQuery", "Submit", "Audit", "CancelAssign"]);

export function createKingdeeSimulator(options: KingdeeSimOptions = {}): KingdeeSimulator {
  const accounts = options.accounts?.length ? options.accounts : [DEFAULT_ACCOUNT];
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const seed = options.seed ?? DEFAULT_SEED;
  const forms = new FormRegistry({
    customerRequired: options.requiredFields ?? DEFAULT_REQUIRED_FIELDS,
    materialRequired: options.materialRequiredFields,
    outstockRequired: options.outstockRequiredFields,
    openingStock: options.openingStock ?? 0,
  });
  const sessions = new Sessions(accounts, sessionTtlMs);
  const services = formServices(forms, (formId) => {
    counters.queries[formId] = (counters.queries[formId] ?? 0) + 1;
  });
  let faults: KingdeeFaults = { ...NO_FAULTS, ...options.faults };
  let queue: QueuedFault[] = [];
  let random = seededRandom(seed);
  const latency = new LatencyDice(seed);
  const inFlight = new InFlight();
  let counters = freshCounters();
  let server: Server | undefined;

  function freshCounters() {
    return {
      calls: {} as Record<string, number>,
      queries: {} as Record<string, number>,
      authenticatedCalls: 0,
      injectedErrors: 0,
      saves: 0,
      slowCommits: 0,
      faultsInjected: {} as Partial<Record<FaultKind, number>>,
    };
  }

  function pickFault(method: string): FaultKind | undefined {
    const queued = queue.findIndex((q) => q.service === undefined || q.service === method);
    let fault: FaultKind | undefined;
    if (queued >= 0) fault = queue.splice(queued, 1)[0]!.fault;
    else if (faults.throttleRate > 0 && random() < faults.throttleRate) fault = "throttle";
    else if (faults.errorRate > 0 && random() < faults.errorRate) {
      const http = counters.injectedErrors++ % 2 === 0;
      const afterCommit = faults.errorAfterCommit && WRITES.has(method);
      fault = http ? (afterCommit ? "http500AfterCommit" : "http500") : afterCommit ? "responseErrorAfterCommit" : "responseError";
    } else if (faults.dropRate > 0 && random() < faults.dropRate) fault = "drop";
    if (fault) counters.faultsInjected[fault] = (counters.faultsInjected[fault] ?? 0) + 1;
    return fault;
  }

  function serverError(): Answer {
    return {
      status: 500,
      contentType: "text/html; charset=utf-8",
      body: "<html><head><title>Runtime Error</title></head><body><h1>Server Error in '/k3cloud' Application.</h1><p>模拟器注入的故障</p></body></html>",
    };
  }

  function responseError(): Answer {
    return {
      status: 200,
      contentType: "text/plain; charset=utf-8",
      body: "response_error:服务端异常：Object reference not set to an instance of an object.（模拟器注入的故障）",
    };
  }

  // ---- Routing ------------------------------------------------------------------------------

  /** `arrived`: the call's session as it was when the request arrived (FORM_METHODS), checked then. */
  function dispatch(service: string, method: string, body: Record<string, unknown>, req: IncomingMessage, expire: boolean, arrived: Session | undefined): Answer | undefined {
    if (service === "AuthService") {
      if (method === "ValidateUser") return sessions.validateUser(body);
      if (method === "LoginByAppSecret") return sessions.loginByAppSecret(body);
      if (method === "Logout") {
        const session = sessions.authenticate(req);
        if (session) sessions.end(session);
        return json(true);
      }
      return undefined;
    }
    if (!FORM_METHODS.has(method)) return undefined;
    let session = arrived;
    if (session) {
      counters.authenticatedCalls++;
      const every = faults.sessionExpiryEvery;
      if (expire || (every > 0 && counters.authenticatedCalls % every === 0)) {
        sessions.end(session);
        session = undefined;
      }
    }
    if (!session) return failure(method, SESSION_LOST, MSG.sessionLost);
    if (method === "BatchSave") return services.save(body, true);
    if (method === "Save") return services.save(body, false);
    if (method === "View") return services.view(body, session);
    if (method === "Submit" || method === "Audit" || method === "CancelAssign") return services.operate(body, method);
    return services.executeBillQuery(body);
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  /** The request body as a JSON object, or why it is not one (answered after any injected fault). */
  function parseBody(raw: string): ParsedBody {
    let body: unknown;
    try {
      body = raw.trim() === "" ? {} : JSON.parse(raw);
    } catch {
      return { ok: false, message: "请求内容不是有效的 JSON。" };
    }
    return body && typeof body === "object" && !Array.isArray(body) ? { ok: true, body: body as Record<string, unknown> } : { ok: false, message: "请求内容应为 JSON 对象。" };
  }

  async function serviceCall(req: IncomingMessage, service: string, method: string): Promise<Answer | "drop"> {
    counters.calls[method] = (counters.calls[method] ?? 0) + 1;
    const parsed = parseBody(await readBody(req));
    const body = parsed.ok ? parsed.body : undefined;
    // Counted from here to the answer; a login names its data center, other calls their session's.
    const acctId = method === "ValidateUser" || method === "LoginByAppSecret" ? body && loginAcctId(body) : sessions.acctIdOf(req);
    const leave = acctId === undefined ? undefined : inFlight.enter(acctId);
    try {
      await sleep(latency.delayMs(faults.latencyMs, kingdeeBaseMs(faults.latencyProfile, method, body ? recordsInCall(method, body) : 0)));
      return await processCall(req, service, method, parsed);
    } finally {
      leave?.();
    }
  }

  async function processCall(req: IncomingMessage, service: string, method: string, parsed: ParsedBody): Promise<Answer | "drop"> {
    const fault = pickFault(method);
    if (fault === "http500") return serverError();
    if (fault === "http429") return { status: 429, contentType: "text/html; charset=utf-8", body: "<html><body><h1>429 Too Many Requests</h1></body></html>" };
    if (fault === "responseError") return responseError();
    if (fault === "throttle") return failure(method, "接口调用过于频繁，已超出调用次数限制，请稍后再试。", MSG.callLimit);
    if (fault === "netControl") return failure(method, "网控冲突：当前对象正被其他用户操作，请稍后再试。", MSG.netControl);
    if (!parsed.ok) return failure(method, parsed.message, MSG.badParameter);
    // A call is authenticated as it arrives: a session that ends while its transaction runs (the
    // client gave up and logged out) does not undo the transaction (session 27: the engine's Logout
    // after an attempt made slow commits vanish here).
    const arrived = FORM_METHODS.has(method) ? sessions.authenticate(req) : undefined;
    if (SAVES.has(method) && faults.slowCommitEvery > 0 && ++counters.saves % faults.slowCommitEvery === 0) {
      // The transaction takes its time and commits whether or not the caller is still there.
      counters.slowCommits++;
      await new Promise((r) => setTimeout(r, faults.slowCommitMs));
    }
    const answer = dispatch(service, method, parsed.body, req, fault === "sessionExpired", arrived);
    if (!answer) return { status: 404, contentType: "text/plain; charset=utf-8", body: `没有服务 ${service}.${method}` };
    if (fault === "drop") return "drop";
    if (fault === "http500AfterCommit") return serverError();
    if (fault === "responseErrorAfterCommit") return responseError();
    return answer;
  }

  function stats(): KingdeeSimStats {
    const perForm = Object.fromEntries(forms.all().map((f) => [f.formId, { records: f.size, duplicateAttempts: f.duplicateAttempts }]));
    return {
      customers: forms.customers.size,
      forms: perForm,
      calls: { ...counters.calls },
      queries: { ...counters.queries },
      logins: sessions.logins,
      loginFailures: sessions.loginFailures,
      duplicateAttempts: Object.values(perForm).reduce((sum, f) => sum + f.duplicateAttempts, 0),
      sessions: sessions.size,
      faultsInjected: { ...counters.faultsInjected },
      slowCommits: counters.slowCommits,
      faults: { ...faults },
      queuedFaults: [...queue],
      concurrency: inFlight.snapshot(),
    };
  }

  function setFaults(changes: Partial<KingdeeFaults>): KingdeeFaults {
    faults = { ...faults, ...changes };
    return faults;
  }

  function injectNext(...next: QueuedFault[]): void {
    queue.push(...next);
  }

  function expireSessions(): void {
    sessions.expireAll();
  }

  function reset(): void {
    forms.clear();
    forms.stock.openingStock = options.openingStock ?? 0;
    sessions.reset();
    faults = { ...NO_FAULTS, ...options.faults };
    queue = [];
    random = seededRandom(seed);
    latency.reset();
    inFlight.resetMax();
    counters = freshCounters();
  }

  const admin = {
    forms,
    stats,
    faults: () => ({ faults, next: queue }),
    setFaults,
    injectNext,
    expireSessions,
    reset,
    concurrency: () => inFlight.snapshot(),
    resetConcurrency: () => inFlight.resetMax(),
  };

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://simulator");
    const service = SERVICE_PATH.exec(url.pathname);
    const work: Promise<Answer | "drop"> = url.pathname.startsWith("/__admin/")
      ? adminCall(admin, req, url.pathname, url)
      : service && req.method === "POST"
        ? serviceCall(req, service[1]!, service[2]!)
        : Promise.resolve({ status: 404, contentType: "text/plain; charset=utf-8", body: "Not Found" });
    work
      .then((answer) => {
        if (answer === "drop") {
          req.socket.destroy();
          return;
        }
        const headers: Record<string, string | string[]> = { "Content-Type": answer.contentType };
        if (answer.cookies) headers["Set-Cookie"] = answer.cookies;
        res.writeHead(answer.status, headers).end(answer.body);
      })
      .catch((e: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "Content-Type": "text/plain; charset=utf-8" }).end(`response_error:${String(e)}`);
      });
  });

  return {
    store: forms.customers,
    forms,
    stats,
    setFaults,
    injectNext,
    expireSessions,
    reset,
    concurrency: admin.concurrency,
    resetConcurrency: admin.resetConcurrency,
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        http.once("error", reject);
        http.listen(port, host, () => {
          http.off("error", reject);
          server = http;
          const { port: actual } = http.address() as AddressInfo;
          resolve(`http://${host.includes(":") ? `[${host}]` : host}:${actual}/k3cloud/`);
        });
      });
    },
    close() {
      return new Promise((resolve, reject) => {
        if (!server) return resolve();
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
        server = undefined;
      });
    },
  };
}
