// The 金蝶云星空 WebAPI from the server's side (shared/protocols/kingdee.md): AuthService and
// DynamicFormService under /k3cloud/, sessions by cookie, both body shapes, fault injection, and
// an admin/inspection API under /__admin/. Written from the protocol doc, sharing no code with
// the connector.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { seededRandom } from "../random";
import { CustomerStore, FORM_ID, QueryError, type Customer, type RecordError, type RecordSuccess } from "./customers";
import {
  DEFAULT_ACCOUNT,
  DEFAULT_REQUIRED_FIELDS,
  DEFAULT_SEED,
  DEFAULT_SESSION_TTL_MS,
  faultsSchema,
  NO_FAULTS,
  queuedFaultSchema,
  type FaultKind,
  type KingdeeFaults,
  type KingdeeSimAccount,
  type KingdeeSimOptions,
  type QueuedFault,
} from "./options";

export interface KingdeeSimStats {
  customers: number;
  /** Calls per service method (ValidateUser, BatchSave …), faulted ones included. */
  calls: Record<string, number>;
  logins: number;
  loginFailures: number;
  /** Create attempts of an FNumber that already existed (including one sent twice). */
  duplicateAttempts: number;
  sessions: number;
  faultsInjected: Partial<Record<FaultKind, number>>;
  /** BatchSave calls that waited `slowCommitMs` before committing. */
  slowCommits: number;
  faults: KingdeeFaults;
  queuedFaults: QueuedFault[];
}

export interface KingdeeSimulator {
  /** Resolves to the ServerUrl a connection uses, e.g. http://127.0.0.1:4020/k3cloud/. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** BD_Customer, for in-process tests. */
  readonly store: CustomerStore;
  stats(): KingdeeSimStats;
  setFaults(faults: Partial<KingdeeFaults>): KingdeeFaults;
  /** Faults for upcoming calls, one call each, in order. */
  injectNext(...faults: QueuedFault[]): void;
  expireSessions(): void;
  /** Empties customers, sessions, counters and queued faults; faults return to the configured ones. */
  reset(): void;
}

const SERVICE_PATH = /^\/k3cloud\/Kingdee\.BOS\.WebApi\.ServicesStub\.(AuthService|DynamicFormService)\.(\w+)\.common\.kdsvc$/;
const SESSION_LOST = "会话信息已丢失，请重新登录";
const MSG = { sessionLost: 1, exception: 4, emptyFormId: 5, badParameter: 8, notFound: 10, callLimit: 14 } as const;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const JSON_TYPE = "application/json; charset=utf-8";
const WRITES = new Set(["BatchSave", "Save"]);

interface Answer {
  status: number;
  body: string;
  contentType: string;
  cookies?: string[];
}

interface Session {
  kd: string;
  asp: string;
  account: KingdeeSimAccount;
  lcid: number;
  lastSeen: number;
}

type ErrorItem = Omit<RecordError, "msgCode">;

const json = (value: unknown, status = 200): Answer => ({ status, body: JSON.stringify(value), contentType: JSON_TYPE });

function responseStatus(successes: RecordSuccess[], errors: ErrorItem[], msgCode: number) {
  return errors.length === 0
    ? { IsSuccess: true, Errors: [], SuccessEntitys: successes, SuccessMessages: [], MsgCode: 0 }
    : { ErrorCode: 500, IsSuccess: false, Errors: errors, SuccessEntitys: successes, SuccessMessages: [], MsgCode: msgCode };
}

/** A login answer: the documented fields plus the ones a real server sends alongside them. */
function loginResult(fields: { Message: string | null; MessageCode: string | null; LoginResultType: number; Context: object | null; KDSVCSessionId: string | null }) {
  return {
    ...fields,
    FormId: null,
    RedirectFormParam: null,
    FormInputObject: null,
    ErrorStackTrace: null,
    Lcid: 0,
    AccessToken: null,
    KdAccessResult: null,
    IsSuccessByAPI: fields.LoginResultType === 1,
  };
}

function failureEnvelope(message: string, msgCode: number, fieldName: string | null = null) {
  return { Result: { ResponseStatus: responseStatus([], [{ FieldName: fieldName, Message: message, DIndex: 0 }], msgCode) } };
}

/** ExecuteBillQuery wraps its errors in a 2-D array; the other services answer the bare envelope. */
function failure(method: string, message: string, msgCode: number): Answer {
  const envelope = failureEnvelope(message, msgCode);
  return json(method === "ExecuteBillQuery" ? [[envelope]] : envelope);
}

function bool(value: unknown, fallback: boolean): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (v === "true") return true;
    if (v === "false") return false;
  }
  return fallback;
}

function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** A named argument, with the key compared case-insensitively (acctID / acctId). */
function named(body: Record<string, unknown>, key: string): unknown {
  const k = Object.keys(body).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : body[k];
}

/**
 * The call's arguments by position: the legacy shape's `parameters` (a JSON string or an array), or
 * the named keys of the current SDKs put in the same order.
 */
function argumentsOf(body: Record<string, unknown>, names: string[]): unknown[] | undefined {
  const parameters = named(body, "parameters");
  if (parameters !== undefined) {
    const list = parseMaybeJson(parameters);
    return Array.isArray(list) ? list : undefined;
  }
  return names.map((n) => named(body, n));
}

function cookiesOf(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error("request body too large"));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function viewOf(c: Customer, lcid: number) {
  const { FCUSTID, FNumber, FName, FDocumentStatus, FForbidStatus, FCreateDate, FModifyDate, ...fields } = c;
  return {
    Id: FCUSTID,
    Number: FNumber,
    Name: [{ Key: lcid, Value: FName ?? "" }],
    DocumentStatus: FDocumentStatus,
    ForbidStatus: FForbidStatus,
    CreateDate: FCreateDate,
    ModifyDate: FModifyDate,
    ...fields,
  };
}

const adminCustomersSchema = z.object({ customers: z.array(z.record(z.string(), z.unknown())) }).strict();
const adminDeleteSchema = z.object({ numbers: z.array(z.string()) }).strict();
const adminFaultsSchema = faultsSchema.extend({ next: z.array(queuedFaultSchema).optional() }).strict();

export function createKingdeeSimulator(options: KingdeeSimOptions = {}): KingdeeSimulator {
  const accounts = options.accounts?.length ? options.accounts : [DEFAULT_ACCOUNT];
  const sessionTtlMs = options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS;
  const seed = options.seed ?? DEFAULT_SEED;
  const store = new CustomerStore(options.requiredFields ?? DEFAULT_REQUIRED_FIELDS);
  const sessions = new Map<string, Session>();
  let faults: KingdeeFaults = { ...NO_FAULTS, ...options.faults };
  let queue: QueuedFault[] = [];
  let random = seededRandom(seed);
  let counters = freshCounters();
  let server: Server | undefined;

  function freshCounters() {
    return {
      calls: {} as Record<string, number>,
      logins: 0,
      loginFailures: 0,
      authenticatedCalls: 0,
      injectedErrors: 0,
      batchSaves: 0,
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

  // ---- AuthService --------------------------------------------------------------------------

  function login(account: KingdeeSimAccount | undefined, lcid: unknown, failure: string | undefined): Answer {
    if (!account || failure) {
      counters.loginFailures++;
      return json(loginResult({ Message: failure ?? "数据中心不存在。", MessageCode: null, LoginResultType: 0, Context: null, KDSVCSessionId: null }));
    }
    counters.logins++;
    const session: Session = {
      kd: randomUUID(),
      asp: randomBytes(12).toString("hex"),
      account,
      lcid: Number(lcid) || 2052,
      lastSeen: Date.now(),
    };
    sessions.set(session.kd, session);
    const answer = json(
      loginResult({
        Message: null,
        MessageCode: "CheckPasswordPolicy",
        LoginResultType: 1,
        Context: {
          UserLocale: "zh-CN",
          LogLocale: "zh-CN",
          DBid: account.acctId,
          DatabaseType: 3,
          SessionId: session.asp,
          UseLanguages: [{ LocaleId: 2052, LocaleName: "中文(简体/中国)", Alias: "CN" }],
          UserId: 16394,
          UserName: account.username,
          CustomName: account.dataCenterName,
          DisplayVersion: "8.2.0.0 (simulator)",
          DataCenterName: account.dataCenterName,
          UserToken: randomUUID(),
          CurrentOrganizationInfo: { ID: 1, AcctOrgType: "1", Name: "总公司" },
          IsCH_ZH_AutoTrans: false,
          ClientType: 32,
          TRLevel: 0,
          ProductEdition: 0,
          DataCenterNumber: account.acctId,
        },
        KDSVCSessionId: session.kd,
      }),
    );
    answer.cookies = [`kdservice-sessionid=${session.kd}; path=/`, `ASP.NET_SessionId=${session.asp}; path=/; HttpOnly; SameSite=Lax`];
    return answer;
  }

  function validateUser(body: Record<string, unknown>): Answer {
    const args = argumentsOf(body, ["acctID", "username", "password", "lcid"]);
    if (!args) return json(failureEnvelope("parameters 应为 JSON 数组。", MSG.badParameter));
    const [acctId, username, password, lcid] = args;
    const inCenter = accounts.filter((a) => a.acctId === acctId);
    const account = inCenter.find((a) => a.username === username && a.password === password);
    return login(inCenter.length ? account : undefined, lcid, inCenter.length && !account ? "用户名或密码错误！" : undefined);
  }

  function loginByAppSecret(body: Record<string, unknown>): Answer {
    const args = argumentsOf(body, ["acctID", "username", "appId", "appSecret", "lcid"]);
    if (!args) return json(failureEnvelope("parameters 应为 JSON 数组。", MSG.badParameter));
    const [acctId, username, appId, appSecret, lcid] = args;
    const inCenter = accounts.filter((a) => a.acctId === acctId);
    const account = inCenter.find((a) => a.username === username && a.appId === appId && a.appSecret === appSecret);
    return login(inCenter.length ? account : undefined, lcid, inCenter.length && !account ? "应用ID、应用密钥或用户名不正确，请在第三方系统登录授权中核对。" : undefined);
  }

  function authenticate(req: IncomingMessage): Session | undefined {
    const cookies = cookiesOf(req);
    const header = req.headers["kdservice-sessionid"];
    const kd = cookies.get("kdservice-sessionid") ?? (typeof header === "string" ? header : undefined);
    let session = kd ? sessions.get(kd) : undefined;
    const asp = cookies.get("ASP.NET_SessionId");
    if (!session && asp) session = [...sessions.values()].find((s) => s.asp === asp);
    if (!session) return undefined;
    if (Date.now() - session.lastSeen > sessionTtlMs) {
      sessions.delete(session.kd);
      return undefined;
    }
    session.lastSeen = Date.now();
    return session;
  }

  // ---- DynamicFormService -------------------------------------------------------------------

  /** `[formid, data]` in either body shape; `data` may be an object or a JSON string. */
  function formArguments(body: Record<string, unknown>): { formId: string; data: Record<string, unknown> } | Answer {
    const args = argumentsOf(body, ["formid", "data"]);
    if (!args) return json(failureEnvelope("parameters 应为 JSON 数组。", MSG.badParameter));
    const formId = typeof args[0] === "string" ? args[0] : "";
    const data = parseMaybeJson(args[1]);
    if (!formId) return json(failureEnvelope("表单ID（formid）不能为空。", MSG.emptyFormId));
    if (formId !== FORM_ID) return json(failureEnvelope(`业务对象“${formId}”不存在（模拟器只有 ${FORM_ID}）。`, MSG.emptyFormId));
    if (!data || typeof data !== "object" || Array.isArray(data)) return json(failureEnvelope("data 应为 JSON 对象。", MSG.badParameter));
    return { formId, data: data as Record<string, unknown> };
  }

  function save(body: Record<string, unknown>, batch: boolean): Answer {
    const args = formArguments(body);
    if ("status" in args) return args;
    const { data } = args;
    const model = data.Model;
    if (batch ? !Array.isArray(model) : !model || typeof model !== "object" || Array.isArray(model)) {
      return json(failureEnvelope(batch ? "BatchSave 的 Model 应为数组。" : "Save 的 Model 应为对象。", MSG.badParameter));
    }
    const stringList = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
    const result = store.save(batch ? (model as unknown[]) : [model], {
      needUpdateFields: stringList(parseMaybeJson(data.NeedUpDateFields)),
      verifyBaseData: bool(data.IsVerifyBaseDataField, false),
      validate: bool(data.ValidateFlag, true),
      autoSubmitAndAudit: bool(data.IsAutoSubmitAndAudit, false),
    });
    const returnFields = stringList(parseMaybeJson(data.NeedReturnFields));
    const needReturnData = result.saved.map((c) => Object.fromEntries(returnFields.map((f) => [f, c[f] ?? null])));
    const status = responseStatus(
      result.successes,
      result.errors.map(({ FieldName, Message, DIndex }) => ({ FieldName, Message, DIndex })),
      result.errors[0]?.msgCode ?? 0,
    );
    if (batch) return json({ Result: { ResponseStatus: status, NeedReturnData: needReturnData } });
    const saved = result.successes[0];
    return json({ Result: { ResponseStatus: status, Id: saved?.Id ?? "", Number: saved?.Number ?? "", NeedReturnData: needReturnData } });
  }

  function view(body: Record<string, unknown>, session: Session): Answer {
    const args = formArguments(body);
    if ("status" in args) return args;
    const number = named(args.data, "Number");
    const id = Number(named(args.data, "Id")) || 0;
    const customer = store.byNumberOrId(typeof number === "string" && number !== "" ? number : undefined, id);
    if (!customer) return json(failureEnvelope("数据不存在或已被删除。", MSG.notFound));
    return json({ Result: { ResponseStatus: responseStatus([], [], 0), Result: viewOf(customer, session.lcid) } });
  }

  function executeBillQuery(body: Record<string, unknown>): Answer {
    const args = argumentsOf(body, ["data"]);
    const data = args ? parseMaybeJson(args[0]) : undefined;
    if (!data || typeof data !== "object" || Array.isArray(data)) return failure("ExecuteBillQuery", "data 应为 JSON 对象。", MSG.badParameter);
    try {
      return json(store.query(data as Record<string, unknown>));
    } catch (e) {
      if (e instanceof QueryError) return failure("ExecuteBillQuery", e.message, e.msgCode);
      throw e;
    }
  }

  function dispatch(service: string, method: string, body: Record<string, unknown>, req: IncomingMessage, expire: boolean): Answer | undefined {
    if (service === "AuthService") {
      if (method === "ValidateUser") return validateUser(body);
      if (method === "LoginByAppSecret") return loginByAppSecret(body);
      if (method === "Logout") {
        const session = authenticate(req);
        if (session) sessions.delete(session.kd);
        return json(true);
      }
      return undefined;
    }
    if (!["BatchSave", "Save", "View", "ExecuteBillQuery"].includes(method)) return undefined;
    let session = authenticate(req);
    if (session) {
      counters.authenticatedCalls++;
      const every = faults.sessionExpiryEvery;
      if (expire || (every > 0 && counters.authenticatedCalls % every === 0)) {
        sessions.delete(session.kd);
        session = undefined;
      }
    }
    if (!session) return failure(method, SESSION_LOST, MSG.sessionLost);
    if (method === "BatchSave") return save(body, true);
    if (method === "Save") return save(body, false);
    if (method === "View") return view(body, session);
    return executeBillQuery(body);
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  async function serviceCall(req: IncomingMessage, service: string, method: string): Promise<Answer | "drop"> {
    counters.calls[method] = (counters.calls[method] ?? 0) + 1;
    const raw = await readBody(req);
    if (faults.latencyMs > 0) await new Promise((r) => setTimeout(r, faults.latencyMs));
    const fault = pickFault(method);
    if (fault === "http500") return serverError();
    if (fault === "responseError") return responseError();
    if (fault === "throttle") return failure(method, "接口调用过于频繁，已超出调用次数限制，请稍后再试。", MSG.callLimit);

    let body: unknown;
    try {
      body = raw.trim() === "" ? {} : JSON.parse(raw);
    } catch {
      return failure(method, "请求内容不是有效的 JSON。", MSG.badParameter);
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) return failure(method, "请求内容应为 JSON 对象。", MSG.badParameter);
    if (method === "BatchSave" && faults.slowCommitEvery > 0 && ++counters.batchSaves % faults.slowCommitEvery === 0) {
      // The transaction takes its time and commits whether or not the caller is still there.
      counters.slowCommits++;
      await new Promise((r) => setTimeout(r, faults.slowCommitMs));
    }
    const answer = dispatch(service, method, body as Record<string, unknown>, req, fault === "sessionExpired");
    if (!answer) return { status: 404, contentType: "text/plain; charset=utf-8", body: `没有服务 ${service}.${method}` };
    if (fault === "drop") return "drop";
    if (fault === "http500AfterCommit") return serverError();
    if (fault === "responseErrorAfterCommit") return responseError();
    return answer;
  }

  async function adminCall(req: IncomingMessage, path: string, url: URL): Promise<Answer> {
    const raw = await readBody(req);
    let body: unknown = {};
    if (raw.trim() !== "") {
      try {
        body = JSON.parse(raw);
      } catch {
        return json({ error: "请求内容不是有效的 JSON" }, 400);
      }
    }
    const invalid = (error: z.ZodError) => json({ error: "参数无效", issues: error.issues.map((i) => ({ path: i.path.join("."), message: i.message })) }, 400);
    const route = `${req.method} ${path}`;
    switch (route) {
      case "GET /__admin/stats":
        return json(stats());
      case "GET /__admin/customers":
        return json({ customers: store.list() });
      case "POST /__admin/customers": {
        const parsed = adminCustomersSchema.safeParse(body);
        return parsed.success ? json(store.preCreate(parsed.data.customers)) : invalid(parsed.error);
      }
      case "DELETE /__admin/customers": {
        const fromQuery = url.searchParams.getAll("number");
        const parsed = fromQuery.length ? { success: true as const, data: { numbers: fromQuery } } : adminDeleteSchema.safeParse(body);
        return parsed.success ? json({ deleted: store.delete(parsed.data.numbers) }) : invalid(parsed.error);
      }
      case "GET /__admin/faults":
        return json({ faults, next: queue });
      case "PUT /__admin/faults":
      case "POST /__admin/faults": {
        const parsed = adminFaultsSchema.safeParse(body);
        if (!parsed.success) return invalid(parsed.error);
        const { next, ...changes } = parsed.data;
        setFaults(changes);
        if (next) injectNext(...next);
        return json({ faults, next: queue });
      }
      case "POST /__admin/sessions/expire":
        expireSessions();
        return json({ sessions: 0 });
      case "POST /__admin/reset":
        reset();
        return json(stats());
      default:
        return json({ error: `没有管理接口 ${route}` }, 404);
    }
  }

  function stats(): KingdeeSimStats {
    return {
      customers: store.size,
      calls: { ...counters.calls },
      logins: counters.logins,
      loginFailures: counters.loginFailures,
      duplicateAttempts: store.duplicateAttempts,
      sessions: sessions.size,
      faultsInjected: { ...counters.faultsInjected },
      slowCommits: counters.slowCommits,
      faults: { ...faults },
      queuedFaults: [...queue],
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
    sessions.clear();
  }

  function reset(): void {
    store.clear();
    sessions.clear();
    faults = { ...NO_FAULTS, ...options.faults };
    queue = [];
    random = seededRandom(seed);
    counters = freshCounters();
  }

  const http = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://simulator");
    const service = SERVICE_PATH.exec(url.pathname);
    const work: Promise<Answer | "drop"> = url.pathname.startsWith("/__admin/")
      ? adminCall(req, url.pathname, url)
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
    store,
    stats,
    setFaults,
    injectNext,
    expireSessions,
    reset,
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
