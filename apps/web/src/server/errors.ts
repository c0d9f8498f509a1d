// The closed set of API errors: each code has one HTTP status; messages are for people, rendered
// in the caller's language when they come from @qiao/core's catalog (a plain string is zh-CN).
import { message, render, type Locale, type Message } from "@qiao/core";
import type { ZodError } from "zod";

export type ApiErrorCode =
  | "bad_request"
  | "validation_failed"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "conflict"
  | "scheme_busy"
  | "payload_too_large"
  | "too_many_requests"
  | "upstream_failed"
  | "internal";

const STATUS: Record<ApiErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  scheme_busy: 409,
  payload_too_large: 413,
  too_many_requests: 429,
  upstream_failed: 502,
  internal: 500,
};

export interface ApiIssue {
  path: (string | number)[];
  message: string;
  messageEn?: string;
  start?: number;
  end?: number;
  nodeId?: string;
  field?: string;
  severity?: "error" | "warning";
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly code: ApiErrorCode,
    readonly text: Message | string,
    readonly issues: ApiIssue[] = [],
  ) {
    super(render(text));
  }
  /** The message in the caller's language. */
  textIn(locale: Locale): string {
    return render(this.text, locale);
  }
  get status(): number {
    return STATUS[this.code];
  }
}

export function fromZodError(error: ZodError, text: Message | string = message("api.invalidBody")): ApiError {
  return new ApiError(
    "validation_failed",
    text,
    error.issues.map((i) => {
      // Bilingual schemas (@qiao/core) carry the English text in the issue's params.
      const messageEn = (i as { params?: { messageEn?: unknown } }).params?.messageEn;
      return {
        path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
        message: i.message,
        ...(typeof messageEn === "string" && { messageEn }),
      };
    }),
  );
}

export const notFound = (what: string) => new ApiError("not_found", `${what}不存在或已被删除`);
