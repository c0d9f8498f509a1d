// The K/3 Cloud WebAPI client: login (ValidateUser or LoginByAppSecret), session cookies, one
// re-login on a lost session, rate limit, timeouts and bounded jittered retries. It never resends
// a write whose outcome is unknown: such a call fails with kind "unknown_outcome" and the caller
// (./target.ts) looks the records up before resending anything.
import { refuseUserinfo } from "../base-url";
import { answerFacts, ConnectorError, isConnectorError } from "../errors";
import { httpPost, ResponseTooLargeError, type HttpAnswer } from "../http";
import { observed } from "../observer";
import { AddressRefusedError } from "../outbound";
import { liveConcurrency, withSlot } from "../call-slots";
import { processLimiter } from "../rate-limiter";
import { backoffMs, sleep, withRetries } from "../retry";
import { credentialValues, scrub } from "../scrub";
import { anySignal, distinctSignals } from "../signals";
import type { ConnectionConfig, ConnectorLogger, RateLimiter } from "../types";
import { kingdeeCredentialsSchema, kingdeeMeta, PLATFORM, type KingdeeCredentials } from "./meta";
import {
  failedStatusOf,
  firstErrorMessage,
  isSessionLost,
  loginResultSchema,
  MSG_CODE,
  scrubFailure,
  SERVICE,
  type LoginResult,
  type ServiceName,
} from "./protocol";

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 4;
/** Kingdee publishes no call limit; 10 calls/s per data center is gentle on a customer's own server. */
const DEFAULT_QPS = 10;
const RETRY_BASE_MS = 200;
const THROTTLED_BASE_MS = 500;
const RETRY_CAP_MS = 10_000;
/** undici error codes that mean the request never reached the server, so even a write may be resent. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_CONNECT_TIMEOUT"]);

export interface CallOptions {
  signal?: AbortSignal;
  /** The call changes data: if it may have been processed without an answer, fail with "unknown_outcome" instead of retrying. */
  write?: boolean;
  /** Epoch ms after which the call must not be sent: it fails with "not_sent" (see WriteRequest.sendBy). */
  sendBy?: number;
}

interface Session {
  cookies: Map<string, string>;
  login: LoginResult;
}

interface Exchange {
  json: unknown;
  setCookies: string[];
  /** Status, type and size of the answer: what may be said about one that does not follow the protocol. */
  facts: string;
}

function cancelled(): ConnectorError {
  return new ConnectorError("cancelled", PLATFORM, "金蝶调用已取消");
}

function shortName(service: string): string {
  return service.slice(service.lastIndexOf(".") + 1);
}

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e; cur && typeof cur === "object"; cur = (cur as { cause?: unknown }).cause) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

export class KingdeeClient {
  readonly credentials: KingdeeCredentials;
  private readonly url: string;
  private readonly endpoints = new Map<ServiceName, URL>();
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly limiter: RateLimiter;
  private readonly limiterKey: string;
  private readonly logger?: ConnectorLogger;
  /** Every credential value, scrubbed out of any platform text that becomes an error (see scrubbed). */
  private readonly scrubValues: string[];
  /** The session's bearer values of the last login (its cookies, KDSVCSessionId), scrubbed too. */
  private sessionValues: string[] = [];
  private readonly concurrencyNow: () => number;
  private session?: Session;
  private loggingIn?: Promise<Session>;

  constructor(private readonly config: ConnectionConfig) {
    const parsed = kingdeeCredentialsSchema.safeParse(config.credentials);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => i.message).join("；");
      throw new ConnectorError("auth", PLATFORM, `金蝶连接的凭据不完整：${issues}`);
    }
    refuseUserinfo(PLATFORM, config.baseUrl);
    this.credentials = parsed.data;
    this.concurrencyNow = liveConcurrency(config, kingdeeCredentialsSchema.shape.concurrency, parsed.data.concurrency);
    this.scrubValues = credentialValues(kingdeeMeta, config.credentials);
    this.url = config.baseUrl.endsWith("/") ? config.baseUrl : `${config.baseUrl}/`;
    this.timeoutMs = config.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = config.maxRetries ?? DEFAULT_MAX_RETRIES;
    this.limiter = config.limiter ?? processLimiter(config.qps && config.qps > 0 ? config.qps : DEFAULT_QPS);
    this.limiterKey = `kingdee:${this.url}:${this.credentials.acctId}`;
    this.logger = config.logger;
  }

  /**
   * `text` without any credential value of the connection nor the last login's session ids (bearer
   * credentials: session 35's audit), quoted as they are or in another form (scrub), for every
   * platform text that is shown, stored or logged.
   */
  scrubbed(text: string): string {
    return scrub(text, [...this.scrubValues, ...this.sessionValues]);
  }

  get retryLimit(): number {
    return this.maxRetries;
  }

  /** Logs in unless a session is already open; concurrent callers share one login. */
  async login(): Promise<LoginResult> {
    return (await this.ensureSession()).login;
  }

  /** Ends the session on the server (K/3 Cloud counts open sessions against the licence). */
  async logout(signal?: AbortSignal): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    await this.request(SERVICE.logout, {}, { signal }, session);
  }

  /**
   * One authenticated call. Retries network errors, 5xx, `response_error:` bodies and throttling
   * (MsgCode 14) with backoff; on a lost session (MsgCode 1) logs in again once and repeats.
   */
  async call(service: ServiceName, body: unknown, opts: CallOptions = {}): Promise<unknown> {
    if (opts.signal?.aborted) throw cancelled();
    let session = await this.ensureSession();
    let { json } = await this.request(service, body, opts, session);
    const failed = failedStatusOf(json);
    if (failed && isSessionLost(failed)) {
      this.logger?.info("金蝶会话已失效，重新登录", { service: shortName(service) });
      if (this.session === session) this.session = undefined;
      session = await this.ensureSession();
      ({ json } = await this.request(service, body, opts, session));
      const again = failedStatusOf(json);
      if (again && isSessionLost(again)) {
        throw new ConnectorError("auth", PLATFORM, "金蝶在重新登录后仍提示会话已丢失，请检查账号是否被限制登录", {
          platformCode: String(again.MsgCode ?? ""),
          platformMessage: firstErrorMessage(again),
        });
      }
    }
    return json;
  }

  /** Waits before the next attempt (target.ts resends updates after it). */
  pause(attempt: number, error: ConnectorError, signal?: AbortSignal): Promise<void> {
    return sleep(this.delayMs(attempt, error), this.signals(signal), cancelled);
  }

  /** Longer when Kingdee asked us to slow down. */
  private delayMs(attempt: number, error: ConnectorError): number {
    return backoffMs(attempt, error.kind === "throttled" ? THROTTLED_BASE_MS : RETRY_BASE_MS, RETRY_CAP_MS);
  }

  private signals(signal: AbortSignal | undefined): AbortSignal[] {
    return distinctSignals(signal, this.config.signal);
  }

  private ensureSession(): Promise<Session> {
    if (this.session) return Promise.resolve(this.session);
    this.loggingIn ??= this.openSession().finally(() => {
      this.loggingIn = undefined;
    });
    return this.loggingIn;
  }

  private async openSession(): Promise<Session> {
    const c = this.credentials;
    const [service, body] =
      c.authType === "appSecret"
        ? [SERVICE.loginByAppSecret, { parameters: [c.acctId, c.username, c.appId, c.appSecret, c.lcid] }]
        : [SERVICE.validateUser, { acctID: c.acctId, username: c.username, password: c.password, lcid: c.lcid }];
    const { json, setCookies, facts } = await this.request(service, body, {}, undefined);
    const parsed = loginResultSchema.safeParse(json);
    if (!parsed.success) {
      throw new ConnectorError("protocol", PLATFORM, `金蝶登录接口的回答不符合协议（${facts}，缺少 LoginResultType），请检查服务器地址是否以 /k3cloud/ 结尾`);
    }
    const login = parsed.data;
    if (login.LoginResultType !== 1) {
      const message = login.Message == null ? undefined : this.scrubbed(login.Message);
      const reason = message ?? `LoginResultType ${login.LoginResultType}`;
      throw new ConnectorError("auth", PLATFORM, `金蝶登录失败：${reason}（请检查数据中心ID、用户名和${c.authType === "appSecret" ? "应用ID/密钥" : "密码"}）`, {
        platformCode: String(login.LoginResultType),
        platformMessage: message,
      });
    }
    const cookies = new Map<string, string>();
    storeCookies(cookies, setCookies);
    if (!cookies.has("kdservice-sessionid") && login.KDSVCSessionId) cookies.set("kdservice-sessionid", login.KDSVCSessionId);
    if (!cookies.has("ASP.NET_SessionId") && login.Context?.SessionId) cookies.set("ASP.NET_SessionId", login.Context.SessionId);
    if (cookies.size === 0) throw new ConnectorError("protocol", PLATFORM, "金蝶登录成功但没有返回会话（Set-Cookie / KDSVCSessionId）");
    const session = { cookies, login };
    this.session = session;
    // Kept after a logout: an answer to the old session may still be turned into an error.
    this.sessionValues = [...new Set([...cookies.values(), login.KDSVCSessionId ?? "", login.Context?.SessionId ?? ""])].filter((v) => v.length >= 8);
    // No credential value in a log line, the data center id included (session 32's audit).
    this.logger?.info("已登录金蝶", { authType: c.authType });
    return session;
  }

  /** One HTTP exchange with retries; a write whose outcome may be unknown is not retried. */
  private request(service: ServiceName, body: unknown, opts: CallOptions, session: Session | undefined): Promise<Exchange> {
    return withRetries(() => this.exchange(service, body, session, opts), {
      maxRetries: this.maxRetries,
      delayMs: (attempt, error) => this.delayMs(attempt, error),
      classify: (e) => {
        const error = isConnectorError(e) ? e : new ConnectorError("network", PLATFORM, `金蝶调用失败：${this.scrubbed(String(e))}`, { cause: e });
        if (opts.write && (error.kind === "server" || error.kind === "timeout" || error.kind === "unknown_outcome")) {
          throw new ConnectorError("unknown_outcome", PLATFORM, `${error.message}；这次写入可能已被金蝶处理`, {
            platformCode: error.platformCode,
            platformMessage: error.platformMessage,
            httpStatus: error.httpStatus,
            cause: error,
          });
        }
        return error;
      },
      onRetry: (error, attempt) =>
        this.logger?.warn("金蝶调用失败，稍后重试", { service: shortName(service), attempt: attempt + 1, kind: error.kind, message: error.message }),
      signals: this.signals(opts.signal),
      cancelled,
    });
  }

  /** The service's address (…/Kingdee.BOS.WebApi.ServicesStub.….common.kdsvc), parsed once. */
  private endpoint(service: ServiceName): URL {
    let url = this.endpoints.get(service);
    if (!url) {
      try {
        url = new URL(`${this.url}${service}.common.kdsvc`);
      } catch (cause) {
        throw new ConnectorError("request", PLATFORM, `金蝶服务器地址无效：“${this.config.baseUrl}” 不是网址，请填写如 http://服务器/k3cloud/`, { cause });
      }
      this.endpoints.set(service, url);
    }
    return url;
  }

  /** Calls this data center may have in flight: the connection's 并发调用数 as of now (default 2). */
  get concurrency(): number {
    return this.concurrencyNow();
  }

  /** One request, holding one of the connection's slots for calls in flight while it is out. */
  private exchange(service: ServiceName, body: unknown, session: Session | undefined, opts: CallOptions): Promise<Exchange> {
    const slot = {
      slots: this.config.slots,
      key: this.limiterKey,
      limit: () => this.concurrency,
      platform: PLATFORM,
      service: `金蝶 ${shortName(service)}`,
      signals: this.signals(opts.signal),
      cancelled,
      sendBy: opts.sendBy,
    };
    return withSlot(slot, () => this.exchangeInSlot(service, body, session, opts));
  }

  private async exchangeInSlot(service: ServiceName, body: unknown, session: Session | undefined, opts: CallOptions): Promise<Exchange> {
    await this.limiter.acquire(this.limiterKey);
    const callerSignals = this.signals(opts.signal);
    if (callerSignals.some((s) => s.aborted)) throw cancelled();
    // The last moment before the request goes out (the limiter may have made it wait).
    if (opts.sendBy !== undefined && Date.now() > opts.sendBy) {
      throw new ConnectorError("not_sent", PLATFORM, `金蝶 ${shortName(service)} 没有发送：写入这批记录的尝试已失去运行租约，交由接手的尝试处理`);
    }
    const headers: Record<string, string> = { "Content-Type": "application/json; charset=utf-8", Accept: "application/json" };
    if (session) {
      headers.Cookie = [...session.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      const kd = session.cookies.get("kdservice-sessionid");
      if (kd) headers["kdservice-sessionid"] = kd;
    }
    const name = shortName(service);
    return observed(this.config.observer, PLATFORM, name, () => this.send(service, body, session, headers, callerSignals, opts));
  }

  /** The exchange itself (after the rate limit): what the observer times. */
  private async send(
    service: ServiceName,
    body: unknown,
    session: Session | undefined,
    headers: Record<string, string>,
    callerSignals: AbortSignal[],
    opts: CallOptions,
  ): Promise<Exchange> {
    const name = shortName(service);
    const url = this.endpoint(service);
    let answer: HttpAnswer;
    try {
      const abort = anySignal(callerSignals);
      answer = await httpPost(url, JSON.stringify(body), headers, { timeoutMs: this.timeoutMs, policy: this.config.outbound, signal: abort });
    } catch (e) {
      if (callerSignals.some((s) => s.aborted)) {
        // Cancelled while the request may already have reached the server.
        if (opts.write) throw new ConnectorError("unknown_outcome", PLATFORM, `金蝶 ${name} 在等待回答时被取消`, { cause: e });
        throw cancelled();
      }
      if (e instanceof AddressRefusedError) {
        throw new ConnectorError("request", PLATFORM, `金蝶服务器地址不允许访问：${e.message}，未发送任何请求`, { cause: e });
      }
      if (e instanceof ResponseTooLargeError) {
        // Sent and maybe processed: for a write the outcome is unknown, as for a cut-off answer. A
        // read (a query, a login) changed nothing: asking again gets the same answer.
        const text = `金蝶 ${name} 的回答超过 ${e.limitBytes} 字节的上限（QIAO_MAX_RESPONSE_BYTES），已中止读取`;
        throw new ConnectorError(opts.write ? "unknown_outcome" : "protocol", PLATFORM, text, { cause: e });
      }
      if (e instanceof Error && e.name === "TimeoutError") {
        throw new ConnectorError("timeout", PLATFORM, `金蝶 ${name} 在 ${this.timeoutMs} ms 内没有回答`, { cause: e });
      }
      const code = errorCode(e);
      if (code && NOT_SENT_CODES.has(code)) {
        throw new ConnectorError("network", PLATFORM, `连不上金蝶服务器（${code}），请检查服务器地址`, { cause: e });
      }
      // Cut off after it was sent: a write may have been processed (its outcome is unknown); a read
      // changed nothing and is tried again. An unknown_outcome from a read made the query before an
      // upsert's save throw one out of write() with nothing sent, which the engine took for a save
      // that may have happened (an update never sent was recorded written; session 27's audit).
      throw new ConnectorError(opts.write ? "unknown_outcome" : "network", PLATFORM, `金蝶 ${name} 的连接在回答前中断（${code ?? String(e)}）`, { cause: e });
    }
    const { status, text, setCookies } = answer;
    if (session) storeCookies(session.cookies, setCookies);
    if (status >= 500) {
      throw new ConnectorError("server", PLATFORM, `金蝶服务器错误（${answerFacts(answer)}，${name}）`, { httpStatus: status });
    }
    const trimmed = text.trimStart();
    if (trimmed.startsWith("response_error:")) {
      // Kingdee's own exception format (protocol), so its text is kept, without credentials.
      const detail = this.scrubbed(trimmed.slice("response_error:".length).trim());
      throw new ConnectorError("server", PLATFORM, `金蝶服务器异常（${name}）：${detail.slice(0, 200)}`, {
        httpStatus: status,
        platformMessage: detail,
      });
    }
    // kingdee.md is silent on HTTP 429; K/3 Cloud answers its own call limit in the body (MsgCode 14).
    // A 429 comes from a gateway in front of it (a proxy's rate limit) that refused the call before
    // K/3 saw it: nothing was processed, so it is throttling, retried after a pause like the body's,
    // a write included, not a request to fix (as 管易云's 429 is).
    if (status === 429) {
      throw new ConnectorError("throttled", PLATFORM, `金蝶前面的网关限制了调用频率（HTTP 429，${name}）：稍后会自动重试`, { httpStatus: status });
    }
    if (status >= 400) {
      throw new ConnectorError("request", PLATFORM, `金蝶拒绝了请求（${answerFacts(answer)}，${name}），请检查服务器地址`, { httpStatus: status });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Not even the parser's message is kept: it quotes the start of the body. A write answered
      // with something that is not JSON (an HTML error page from a proxy, a cut body) was sent and may
      // have been processed: its outcome is unknown, looked up before anything is sent again (a
      // "protocol" error was a data failure for an update, never retried, and made a create throw as
      // if nothing had been sent; session 27's audit).
      const text = `金蝶返回了无法识别的回答（${answerFacts(answer)}，${name}），请检查服务器地址是否以 /k3cloud/ 结尾`;
      throw new ConnectorError(opts.write ? "unknown_outcome" : "protocol", PLATFORM, text, { httpStatus: status });
    }
    // Kingdee's error messages become run errors and record outcomes: no credential may remain in them.
    scrubFailure(json, (message) => this.scrubbed(message));
    const failed = failedStatusOf(json);
    if (failed?.MsgCode === MSG_CODE.callLimit) {
      throw new ConnectorError("throttled", PLATFORM, `金蝶限制了调用频率：${firstErrorMessage(failed)}`, {
        platformCode: String(MSG_CODE.callLimit),
        platformMessage: firstErrorMessage(failed),
      });
    }
    return { json, setCookies, facts: answerFacts(answer) };
  }
}

/** Keeps every cookie the server sets: the two session cookies, and a load balancer's sticky cookie if there is one. */
function storeCookies(jar: Map<string, string>, setCookies: string[]): void {
  for (const header of setCookies) {
    const pair = header.split(";", 1)[0] ?? "";
    const eq = pair.indexOf("=");
    if (eq > 0) jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
}
