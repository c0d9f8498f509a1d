// The class of a record 金蝶 refused (see ../error-class.ts). 金蝶 answers with one MsgCode per call
// (ResponseStatus.MsgCode, the first error's) and per-record errors (Errors[], by DIndex) that carry
// only a field name and a text, so a record's class is read from both:
//   1. its own text says 网控 (another user holds the object: 网控冲突) or the session was lost → transient;
//   2. its own error names a field → data (a complaint about a value: required, base data, duplicate number);
//   3. the call's MsgCode is 1 (session lost), 13 (网控冲突) or 14 (call limit) → transient;
//   4. it has an error of its own → data (MsgCode 11 validation, 8 parameter, 9/10 not found, 2 permission…);
//   5. 金蝶 said nothing of it (the batch failed around it) → transient: nothing says its data is wrong.
// A later call of the same write that failed as a whole reports the connector error's kind as the
// code (network, timeout, auth …): classified by the kind (../error-class.ts).
// Ambiguous, and chosen: MsgCode 4 (异常) and 6 (数据库操作失败) are `data`. 金蝶 raises them for a
// plug-in's exception or a constraint a value breaks as often as for an outage, and a data error
// costs only a person's look, while retrying an exception the data causes only delays the same answer.
import { errorClassOfKind, type ErrorClass } from "../error-class";
import { SESSION_LOST_MESSAGE } from "./protocol";

const TRANSIENT_MSG_CODES = new Set(["1", "13", "14"]);
const KNOWN_KINDS = new Set(["auth", "throttled", "network", "timeout", "server", "protocol", "request", "unknown_outcome", "not_sent", "cancelled"]);

export function kingdeeErrorClass(input: { code: string | undefined; ownErrors: { FieldName?: string | null; Message?: string | null }[] }): ErrorClass {
  const texts = input.ownErrors.map((e) => e.Message ?? "");
  if (texts.some((t) => t.includes("网控") || t.includes(SESSION_LOST_MESSAGE))) return "transient";
  if (input.ownErrors.some((e) => e.FieldName)) return "data";
  if (input.code !== undefined && KNOWN_KINDS.has(input.code)) return errorClassOfKind(input.code);
  if (input.code !== undefined && TRANSIENT_MSG_CODES.has(input.code)) return "transient";
  if (input.ownErrors.length > 0) return "data";
  return "transient";
}
