// Turns a `success:false` envelope into a typed ConnectorError. Guanyi publishes no error codes
// for a bad sign, a bad sessionkey or throttling (guanyi.md § Response envelope), so the error is
// recognised from its code and description together; anything unrecognised is a refused request
// that shows the platform's own description.
import { ConnectorError, type ConnectorErrorKind } from "../errors";
import { scrub } from "../scrub";
import { GUANYI_PLATFORM } from "./meta";

export interface PlatformFailure {
  errorCode: string;
  errorDesc: string;
  method: string;
}

interface Rule {
  test: RegExp;
  kind: ConnectorErrorKind;
  message: (f: PlatformFailure) => string;
}

const AUTH_PLACE = "（管易云 ERP：控制面板 → 应用授权 → 云ERP授权）";

// Checked in order: throttling first, since its description may name the appkey. Throttling is
// retried without end (transient), so it is recognised by what only a call limit says: a bare
// "limit" or "超过…限制" also matched refusals a person must fix ("时间跨度超过限制", "page_size
// exceeds limit"), which were then retried for ever (session 27's audit).
const RULES: Rule[] = [
  {
    test: /call[-_ ]?limit|rate[-_ ]?limit|throttl|too many requests|频繁|限流|调用(次数|频率)|(频率|次数)(超过|超出|过高|受限)|超过.{0,8}(频率|次数)|qps/i,
    kind: "throttled",
    message: () => "管易云调用过于频繁，已被限流：稍后会自动重试；如经常出现，请调低该连接的每秒调用次数",
  },
  {
    test: /session/i,
    kind: "auth",
    message: () => `管易云 sessionkey 无效：请重新获取 sessionkey 并更新连接${AUTH_PLACE}`,
  },
  {
    test: /appkey/i,
    kind: "auth",
    message: () => `管易云 appkey 不存在：请检查连接中的 appkey${AUTH_PLACE}`,
  },
  {
    test: /sign|签名/i,
    kind: "auth",
    message: () => `管易云签名校验失败：请检查 secret 是否与 appkey 对应${AUTH_PLACE}`,
  },
  {
    test: /method|接口不存在|不存在的接口/i,
    kind: "request",
    message: (f) => `管易云不支持接口 ${f.method}：请确认接口名称，或该账号是否开通了此接口`,
  },
  {
    test: /系统异常|系统繁忙|服务器|内部错误|exception|internal/i,
    kind: "server",
    message: (f) => `管易云服务暂时异常（${f.errorDesc || f.errorCode}）：稍后会自动重试`,
  },
];

/** `scrubValues`: every credential value of the connection, removed from the platform's texts. */
export function platformError(failure: PlatformFailure, scrubValues: readonly string[]): ConnectorError {
  const scrubbed: PlatformFailure = {
    ...failure,
    errorCode: scrub(failure.errorCode, scrubValues),
    errorDesc: scrub(failure.errorDesc, scrubValues),
  };
  const text = `${scrubbed.errorCode} ${scrubbed.errorDesc}`;
  const rule = RULES.find((r) => r.test.test(text));
  const message = rule
    ? rule.message(scrubbed)
    : `管易云拒绝了 ${failure.method} 请求：${scrubbed.errorDesc || "未给出原因"}${scrubbed.errorCode ? `（错误码 ${scrubbed.errorCode}）` : ""}，请检查请求参数`;
  return new ConnectorError(rule?.kind ?? "request", GUANYI_PLATFORM, message, {
    platformCode: scrubbed.errorCode,
    platformMessage: scrubbed.errorDesc,
  });
}
