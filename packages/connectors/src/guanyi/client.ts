// The 管易云 client: one signed POST per call (shared/protocols/guanyi.md), rate limited, with
// timeouts and bounded jittered retries. The source built on it is ./source.ts.
import { z } from "zod";
import { httpPost, ResponseTooLargeError, type HttpAnswer } from "../http";
import { refuseUserinfo } from "../base-url";
import { answerFacts, ConnectorError } from "../errors";
import { observed } from "../observer";
import { AddressRefusedError } from "../outbound";
import { credentialValues } from "../scrub";
import type { ConnectionConfig, ConnectorLogger, RateLimiter } from "../types";
import { credentialsSchema, GUANYI_PLATFORM, meta, type GuanyiCredentials } from "./meta";
import { platformError } from "./platform-errors";
import { liveConcurrency, withSlot } from "../call-slots";
import { processLimiter } from "../rate-limiter";
import { backoffMs, withRetries } from "../retry";
import { anySignal, distinctSignals } from "../signals";
import { sign } from "./sign";

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_RETRIES = 4;
const DEFAULT_QPS = 10;
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 8_000;

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8", accept: "application/json" };

/**
 * How many of the signs sent last are scrubbed out of every text (a page's too, checked after its
 * call): several times the calls a client has in flight (MAX_CONCURRENT_CALLS). The sign of the
 * request that failed is scrubbed out of its error whatever this keeps (post).
 */
const SIGNS_KEPT = 64;

/** System parameters the client owns; request params cannot override them. */
const SYSTEM_PARAMS = new Set(["appkey", "sessionkey", "method", "sign"]);

const codeText = z
  .union([z.string(), z.number()])
  .nullish()
  .transform((v) => (v == null ? "" : String(v)));

const envelopeSchema = z.looseObject({
  success: z.boolean(),
  errorCode: codeText,
  errorDesc: codeText,
  subErrorCode: codeText,
  subErrorDesc: codeText,
  total: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]).nullish(),
});

export type Envelope = z.infer<typeof envelopeSchema>;

interface SignedRequest {
  body: string;
  sign: string;
}

export class GuanyiClient {
  private readonly credentials: GuanyiCredentials;
  private readonly endpoint: URL;
  /** Every credential value, scrubbed out of any platform text that becomes an error (see scrubValues). */
  private readonly credentialValues: string[];
  /** The signs of the last SIGNS_KEPT requests, newest last. */
  private readonly signsSent: string[] = [];
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly limiter: RateLimiter;
  private readonly limiterKey: string;
  private readonly concurrencyNow: () => number;
  readonly logger?: ConnectorLogger;

  constructor(private readonly config: ConnectionConfig) {
    const parsed = credentialsSchema.safeParse(config.credentials);
    if (!parsed.success) {
      const missing = [...new Set(parsed.error.issues.map((i) => String(i.path[0] ?? "")))].filter(Boolean);
      throw new ConnectorError("auth", GUANYI_PLATFORM, `管易云连接信息不完整：请填写 ${missing.join("、") || "appkey、sessionkey 和 secret"}`);
    }
    refuseUserinfo(GUANYI_PLATFORM, config.baseUrl);
    try {
      this.endpoint = new URL(config.baseUrl);
    } catch (cause) {
      throw new ConnectorError("request", GUANYI_PLATFORM, `管易云接口地址无效：“${config.baseUrl}” 不是网址，请填写如 http://v2.api.guanyierp.com/rest/erp_open`, { cause });
    }
    const qps = config.qps && config.qps > 0 ? config.qps : DEFAULT_QPS;
    this.credentials = parsed.data;
    this.concurrencyNow = liveConcurrency(config, credentialsSchema.shape.concurrency, parsed.data.concurrency);
    this.credentialValues = credentialValues(meta, config.credentials);
    this.timeoutMs = config.timeoutMs && config.timeoutMs > 0 ? config.timeoutMs : DEFAULT_TIMEOUT_MS;
    this.maxRetries = Math.max(0, config.maxRetries ?? DEFAULT_MAX_RETRIES);
    this.limiter = config.limiter ?? processLimiter(qps);
    this.limiterKey = `${GUANYI_PLATFORM}:${parsed.data.appkey}`;
    this.logger = config.logger;
  }

  /**
   * What is scrubbed out of any platform text that becomes an error: the credential values, and the
   * signs the client sent (an md5 over the secret: a server or proxy echoing the request quotes it;
   * session 36's audit).
   */
  get scrubValues(): string[] {
    return [...this.credentialValues, ...this.signsSent];
  }

  /** Calls this appkey may have in flight (the connection's 并发调用数 as of now, 1 unless set). */
  get concurrency(): number {
    return this.concurrencyNow();
  }

  /** Calls one method, retrying what can be retried; resolves to the successful envelope. */
  call(method: string, params: Record<string, unknown>, signal?: AbortSignal): Promise<Envelope> {
    const request = this.signedBody(method, params);
    const cancel = distinctSignals(this.config.signal, signal);
    return withRetries(
      () =>
        withSlot(
          { slots: this.config.slots, key: this.limiterKey, limit: () => this.concurrency, platform: GUANYI_PLATFORM, service: `管易云 ${method}`, signals: cancel, cancelled },
          async () => {
            await cancellable(this.limiter.acquire(this.limiterKey), cancel);
            return observed(this.config.observer, GUANYI_PLATFORM, method, () => this.post(method, request, cancel));
          },
        ),
      {
        maxRetries: this.maxRetries,
        delayMs: (attempt) => backoffMs(attempt, RETRY_BASE_MS, RETRY_MAX_MS),
        onRetry: (e, attempt, delayMs) =>
          this.logger?.warn("管易云调用失败，稍后重试", {
            method,
            attempt: attempt + 1,
            kind: e.kind,
            httpStatus: e.httpStatus,
            platformCode: e.platformCode,
            delayMs,
          }),
        signals: cancel,
        cancelled,
      },
    );
  }

  /** The flat, signed body: system params first, then the business params in their order. */
  private signedBody(method: string, params: Record<string, unknown>): SignedRequest {
    const { appkey, sessionkey, secret } = this.credentials;
    const body: Record<string, unknown> = { appkey, sessionkey, method };
    for (const [key, value] of Object.entries(params)) if (!SYSTEM_PARAMS.has(key)) body[key] = value;
    const signed = sign(body, secret);
    body.sign = signed;
    this.signsSent.push(signed);
    if (this.signsSent.length > SIGNS_KEPT) this.signsSent.shift();
    return { body: JSON.stringify(body), sign: signed };
  }

  private async post(method: string, { body, sign: sent }: SignedRequest, cancel: AbortSignal[]): Promise<Envelope> {
    let answer: HttpAnswer;
    try {
      const signal = anySignal(cancel);
      answer = await httpPost(this.endpoint, body, JSON_HEADERS, { timeoutMs: this.timeoutMs, policy: this.config.outbound, signal });
    } catch (cause) {
      throw this.transportError(cause, cancel);
    }
    const { status, text } = answer;

    if (status >= 500) {
      throw new ConnectorError("server", GUANYI_PLATFORM, `管易云服务暂时不可用（HTTP ${status}）：稍后会自动重试`, { httpStatus: status });
    }
    if (status === 429) {
      throw new ConnectorError("throttled", GUANYI_PLATFORM, "管易云调用过于频繁（HTTP 429）：稍后会自动重试", { httpStatus: status });
    }
    if (status !== 200) {
      throw new ConnectorError("request", GUANYI_PLATFORM, `管易云接口地址可能不对（HTTP ${status}）：请检查连接中的接口地址，应以 /rest/erp_open 结尾`, {
        httpStatus: status,
      });
    }

    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      // Usually a truncated or garbled answer from a proxy or an overloaded server: worth a retry.
      // Not even the parser's message is kept: it quotes the start of the body.
      throw new ConnectorError("server", GUANYI_PLATFORM, `管易云返回了无法解析的响应（${method}，${answerFacts(answer)}）：稍后会自动重试`, { httpStatus: status });
    }
    const parsed = envelopeSchema.safeParse(json);
    if (!parsed.success) {
      throw new ConnectorError(
        "protocol",
        GUANYI_PLATFORM,
        `管易云的响应不符合接口约定（${method}，${answerFacts(answer)}，缺少 success 等字段）：请确认接口地址指向管易云开放接口`,
        { httpStatus: status },
      );
    }
    const envelope = parsed.data;
    if (!envelope.success) {
      throw platformError(
        { errorCode: envelope.errorCode || envelope.subErrorCode, errorDesc: envelope.errorDesc || envelope.subErrorDesc, method },
        // This request's sign whatever the signs kept (a call retried after many others were signed).
        [...this.scrubValues, sent],
      );
    }
    return envelope;
  }

  private transportError(cause: unknown, cancel: AbortSignal[]): ConnectorError {
    if (cancel.some((s) => s.aborted)) return cancelled(cause);
    if (cause instanceof AddressRefusedError) {
      return new ConnectorError("request", GUANYI_PLATFORM, `管易云接口地址不允许访问：${cause.message}，未发送任何请求`, { cause });
    }
    if (cause instanceof ResponseTooLargeError) {
      return new ConnectorError("protocol", GUANYI_PLATFORM, `管易云的回答超过 ${cause.limitBytes} 字节的上限（QIAO_MAX_RESPONSE_BYTES），已中止：请减小每页条数`, { cause });
    }
    const name = cause instanceof Error ? cause.name : "";
    if (name === "TimeoutError") {
      return new ConnectorError("timeout", GUANYI_PLATFORM, `管易云 ${this.timeoutMs / 1000} 秒内没有响应：稍后会自动重试；如持续超时，请检查网络或调大超时时间`, {
        cause,
      });
    }
    const code = errorCode(cause);
    const detail = code ? `（${code}）` : "";
    return new ConnectorError("network", GUANYI_PLATFORM, `无法连接管易云${detail}：请检查接口地址和网络；稍后会自动重试`, { cause });
  }
}

function errorCode(e: unknown): string | undefined {
  for (let cur: unknown = e, depth = 0; cur && depth < 4; cur = (cur as { cause?: unknown }).cause, depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === "string") return code;
  }
  return undefined;
}

function cancelled(cause?: unknown): ConnectorError {
  return new ConnectorError("cancelled", GUANYI_PLATFORM, "管易云调用已取消", { cause });
}

/** Waits for `work` unless one of the signals aborts first. */
async function cancellable<T>(work: Promise<T>, signals: AbortSignal[]): Promise<T> {
  const any = anySignal(signals);
  if (!any) return work;
  if (any.aborted) throw cancelled();
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(cancelled(any.reason));
    any.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    if (onAbort) any.removeEventListener("abort", onAbort);
  }
}
