// A base URL never carries a user name or password to the ERP. The API refuses one at save (session
// 25), but rows saved before keep theirs: they are shown without it (withoutUserinfo) and the clients
// refuse to call them (BaseUrlUserinfoError), so the person re-enters the address and puts the
// credentials in the connection's own fields. Node's client would send them as Basic auth.
import { ConnectorError } from "./errors";

/**
 * `scheme://` then everything up to the last `@` before the host ends: the user info of a text that is
 * no URL (a backslash ends the host, as URL parsing reads http(s) addresses).
 */
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#\\]*@/i;

/** Whether `baseUrl` names a user or a password (`http://user:pw@host/`): what node's client would send as Basic auth. */
export function hasUserinfo(baseUrl: string): boolean {
  if (!URL.canParse(baseUrl)) return USERINFO.test(baseUrl.trim());
  const url = new URL(baseUrl);
  return url.username !== "" || url.password !== "";
}

/** `baseUrl` without its user info (what a viewer may see); a URL without any is returned as it is. */
export function withoutUserinfo(baseUrl: string): string {
  if (!hasUserinfo(baseUrl)) return baseUrl;
  if (!URL.canParse(baseUrl)) return baseUrl.trim().replace(USERINFO, "$1");
  const url = new URL(baseUrl);
  url.username = "";
  url.password = "";
  return url.href;
}

/** A base URL with a user name or password in it: nothing is sent, the address must be entered again. */
export class BaseUrlUserinfoError extends ConnectorError {
  override name = "BaseUrlUserinfoError";
  constructor(platform: string) {
    super(
      "auth",
      platform,
      "连接的接口地址里含有用户名或密码（user:password@），为安全起见不会调用它：请在连接设置里重新填写不含用户名和密码的接口地址，认证信息填在连接的认证字段里",
    );
  }
}

/** Throws BaseUrlUserinfoError when `baseUrl` carries user info (before a client sends anything). */
export function refuseUserinfo(platform: string, baseUrl: string): void {
  if (hasUserinfo(baseUrl)) throw new BaseUrlUserinfoError(platform);
}
