// Typed connector errors. `kind` is a closed set the engine and UI act on; `message` is written
// for a person (Chinese first, as the UI shows it) and never contains secrets.

export type ConnectorErrorKind =
  /** credentials rejected (bad sign, bad sessionkey, wrong password) — fix the connection */
  | "auth"
  /** platform says slow down — retried with backoff */
  | "throttled"
  /** connection refused / reset / DNS — retried */
  | "network"
  | "timeout"
  /** HTTP 5xx or a server exception body — retried */
  | "server"
  /** the answer does not follow the documented protocol */
  | "protocol"
  /** the platform refused the request itself (bad parameter, unknown method …) */
  | "request"
  /** the request may have been processed but no answer arrived */
  | "unknown_outcome"
  /** the call was not made: the writing attempt's lease ran out before it could be sent */
  | "not_sent"
  | "cancelled";

const RETRYABLE: ReadonlySet<ConnectorErrorKind> = new Set(["throttled", "network", "timeout", "server", "unknown_outcome"]);

export class ConnectorError extends Error {
  override name = "ConnectorError";
  readonly kind: ConnectorErrorKind;
  readonly platform: string;
  /** The platform's own error code / description (Guanyi errorCode/errorDesc, Kingdee MsgCode/Message). */
  readonly platformCode?: string;
  readonly platformMessage?: string;
  readonly httpStatus?: number;

  constructor(
    kind: ConnectorErrorKind,
    platform: string,
    message: string,
    details: { platformCode?: string; platformMessage?: string; httpStatus?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: details.cause });
    this.kind = kind;
    this.platform = platform;
    this.platformCode = details.platformCode;
    this.platformMessage = details.platformMessage;
    this.httpStatus = details.httpStatus;
  }

  get retryable(): boolean {
    return RETRYABLE.has(this.kind);
  }
}

export function isConnectorError(e: unknown): e is ConnectorError {
  return e instanceof ConnectorError;
}

/**
 * An answer that does not follow the platform's protocol, described by its facts only: the body of
 * an unknown server (an HTML error page, a proxy's login form) is never quoted into an error.
 */
export function answerFacts(answer: { status: number; contentType: string; bytes: number }): string {
  return `HTTP ${answer.status}，${answer.contentType.split(";")[0]?.trim() || "无 Content-Type"}，${answer.bytes} 字节`;
}
