// The wire helpers every service shares: answers, the ResponseStatus envelope, reading bodies,
// cookies, and the two body shapes' arguments (named keys or the legacy positional `parameters`).
import type { IncomingMessage } from "node:http";
import type { RecordError, RecordSuccess } from "./form-spec";

export interface Answer {
  status: number;
  body: string;
  contentType: string;
  cookies?: string[];
}

export type ErrorItem = Omit<RecordError, "msgCode">;

export const MSG = { sessionLost: 1, exception: 4, emptyFormId: 5, badParameter: 8, notFound: 10, callLimit: 14 } as const;
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const JSON_TYPE = "application/json; charset=utf-8";

export const json = (value: unknown, status = 200): Answer => ({ status, body: JSON.stringify(value), contentType: JSON_TYPE });

export function responseStatus(successes: RecordSuccess[], errors: ErrorItem[], msgCode: number) {
  return errors.length === 0
    ? { IsSuccess: true, Errors: [], SuccessEntitys: successes, SuccessMessages: [], MsgCode: 0 }
    : { ErrorCode: 500, IsSuccess: false, Errors: errors, SuccessEntitys: successes, SuccessMessages: [], MsgCode: msgCode };
}

/** The outcome of per-record work: errors lose their msgCode; the answer carries the first one. */
export function outcomeStatus(successes: RecordSuccess[], errors: RecordError[]) {
  return responseStatus(
    successes,
    errors.map(({ FieldName, Message, DIndex }) => ({ FieldName, Message, DIndex })),
    errors[0]?.msgCode ?? 0,
  );
}

export function failureEnvelope(message: string, msgCode: number, fieldName: string | null = null) {
  return { Result: { ResponseStatus: responseStatus([], [{ FieldName: fieldName, Message: message, DIndex: 0 }], msgCode) } };
}

/** ExecuteBillQuery wraps its errors in a 2-D array; the other services answer the bare envelope. */
export function failure(method: string, message: string, msgCode: number): Answer {
  const envelope = failureEnvelope(message, msgCode);
  return json(method === "ExecuteBillQuery" ? [[envelope]] : envelope);
}

export function bool(value: unknown, fallback: boolean): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (v === "true") return true;
    if (v === "false") return false;
  }
  return fallback;
}

export function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/** A named argument, with the key compared case-insensitively (acctID / acctId). */
export function named(body: Record<string, unknown>, key: string): unknown {
  const k = Object.keys(body).find((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : body[k];
}

/**
 * The call's arguments by position: the legacy shape's `parameters` (a JSON string or an array), or
 * the named keys of the current SDKs put in the same order.
 */
export function argumentsOf(body: Record<string, unknown>, names: string[]): unknown[] | undefined {
  const parameters = named(body, "parameters");
  if (parameters !== undefined) {
    const list = parseMaybeJson(parameters);
    return Array.isArray(list) ? list : undefined;
  }
  return names.map((n) => named(body, n));
}

export function cookiesOf(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

export function readBody(req: IncomingMessage): Promise<string> {
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

/** Models in a BatchSave (1 for a Save, 0 otherwise or when unreadable): what its answer time grows with. */
export function recordsInCall(method: string, body: Record<string, unknown>): number {
  if (method === "Save") return 1;
  if (method !== "BatchSave") return 0;
  const data = parseMaybeJson(argumentsOf(body, ["formid", "data"])?.[1]);
  const model = data && typeof data === "object" ? (data as Record<string, unknown>).Model : undefined;
  return Array.isArray(model) ? model.length : 0;
}

/** The acctID a login call names (first argument of ValidateUser and LoginByAppSecret alike). */
export function loginAcctId(body: Record<string, unknown>): string | undefined {
  const acctId = argumentsOf(body, ["acctID"])?.[0];
  return typeof acctId === "string" ? acctId : undefined;
}
