// The closed set of API errors: each code has one HTTP status; messages are for people, rendered
// in the caller's language when they come from @qiao/core's catalog (a plain string is zh-CN).
import { message, render, type Locale, type Message } from "@qiao/core";
import { z, type ZodError } from "zod";

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

/** Chinese characters: a text that has them needs an English one for an English page. */
export const CJK = /[\u3400-\u9fff]/;

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

/** A refusal of one field: the message, and the same words on the field's issue (where the form shows them). */
export function fieldError(path: ApiIssue["path"], text: Message, code: ApiErrorCode = "validation_failed"): ApiError {
  return new ApiError(code, text, [{ path, message: render(text, "zh-CN"), messageEn: render(text, "en") }]);
}

export function fromZodError(error: ZodError, text: Message | string = message("api.invalidBody"), english?: ZodError): ApiError {
  return new ApiError(
    "validation_failed",
    text,
    error.issues.map((i, k) => {
      // Bilingual schemas (@qiao/core) carry the English text in the issue's params; else the same
      // parse in English (issue for issue), when it says something else than Chinese; else a built-in
      // check with a Chinese message (min, max, email …) is said in English from what it checked.
      const given = (i as { params?: { messageEn?: unknown } }).params?.messageEn;
      const parsedEn = english?.issues[k];
      const sameIssue = parsedEn && parsedEn.code === i.code && parsedEn.path.join(".") === i.path.join(".") && !CJK.test(parsedEn.message);
      const messageEn = typeof given === "string" ? given : sameIssue ? parsedEn.message : englishOf(i);
      return {
        path: i.path.map((p) => (typeof p === "symbol" ? String(p) : p)),
        message: i.message,
        ...(typeof messageEn === "string" && { messageEn }),
      };
    }),
  );
}

/** A built-in zod check's refusal in English, for issues whose message is Chinese (undefined: none needed). */
function englishOf(issue: ZodError["issues"][number]): string | undefined {
  if (!CJK.test(issue.message)) return undefined;
  switch (issue.code) {
    case "too_small": {
      const n = Number(issue.minimum);
      if (issue.origin === "string") return n <= 1 ? "Required" : `At least ${n} characters`;
      if (issue.origin === "array" || issue.origin === "set") return n === 1 ? "At least 1 item" : `At least ${n} items`;
      return `At least ${n}`;
    }
    case "too_big": {
      const n = Number(issue.maximum);
      if (issue.origin === "string") return `At most ${n} characters`;
      if (issue.origin === "array" || issue.origin === "set") return `At most ${n} items`;
      return `At most ${n}`;
    }
    case "invalid_format":
      return issue.format === "email" ? "Not a valid email address" : issue.format === "regex" ? "Not in the expected format" : `Not a valid ${issue.format}`;
    case "invalid_value":
      return `Must be one of: ${issue.values.map(String).join(", ")}`;
    case "invalid_type":
      return `Expected ${issue.expected}`;
    default:
      return undefined;
  }
}

/** What a route may not find, in both languages (an English page read "集成方案不存在或已被删除"). */
const THINGS = {
  集成方案: "scheme",
  运行记录: "run",
  暂存记录: "staged record",
  连接: "connection",
  用户: "user",
  对账报告: "reconciliation report",
  "API 令牌": "API token",
  值映射: "value map",
  告警渠道: "alert channel",
  告警规则: "alert rule",
  接口: "endpoint",
} as const;
export type Thing = keyof typeof THINGS;

export const notFound = (what: Thing) => new ApiError("not_found", message("api.notFound", { what, whatEn: THINGS[what] }));

let zhLocale: z.core.$ZodErrorMap | undefined;
let enLocale: z.core.$ZodErrorMap | undefined;

/**
 * `schema.safeParse` with zod's zh-CN messages for its built-in checks (a Chinese page read "Too
 * small: expected number to be >=1"); on a refusal, the same parse in English, for fromZodError's
 * `messageEn`. readJson uses it, and so must every check of request values outside it (connection
 * credentials, alert-channel settings: session 35's audit found them English on a Chinese page).
 */
export function safeParseBilingual<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { success: true; data: z.infer<S> } | { success: false; error: ZodError; english: ZodError | undefined } {
  const parsed = schema.safeParse(value, { error: (zhLocale ??= z.locales.zhCN().localeError) });
  if (parsed.success) return { success: true, data: parsed.data };
  const english = schema.safeParse(value, { error: (enLocale ??= z.locales.en().localeError) });
  return { success: false, error: parsed.error, english: english.success ? undefined : english.error };
}
