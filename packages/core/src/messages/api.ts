// What the API's wrapper answers when it refuses a request before (or after) a route runs.
import { entry } from "./message";

export const apiMessages = {
  "api.signInFirst": entry(
    () => "请先登录，或在 Authorization 头中提供 API 令牌",
    () => "Sign in first, or send an API token in the Authorization header",
  ),
  "api.crossSite": entry(
    () => "拒绝跨站请求",
    () => "Cross-site request refused",
  ),
  "api.needsViewer": entry(
    () => "需要查看者或更高的角色",
    () => "This needs the viewer role or higher",
  ),
  "api.needsEditor": entry(
    () => "需要编辑者或管理员角色：查看者只能查看",
    () => "This needs the editor or admin role: viewers can only look",
  ),
  "api.needsAdmin": entry(
    () => "需要管理员权限",
    () => "This needs the admin role",
  ),
  "api.bodyNotUtf8": entry(
    () => "请求体不是有效的 UTF-8 文本",
    () => "The request body is not valid UTF-8 text",
  ),
  "api.bodyNotJson": entry(
    () => "请求体不是有效的 JSON",
    () => "The request body is not valid JSON",
  ),
  "api.invalidBody": entry(
    () => "请求内容不正确",
    () => "The request is not valid",
  ),
  "api.invalidQuery": entry(
    () => "查询参数不正确",
    () => "The query parameters are not valid",
  ),
  "api.tokenOutlivesCreator": entry<{ expiresAt: string }>(
    (p) => `用 API 令牌创建的令牌不能晚于该令牌过期：它在 ${p.expiresAt} 过期，请选择不晚于此的过期时间（不填则与它同时过期）`,
    (p) => `A token created with an API token cannot expire after that token: it expires at ${p.expiresAt}. Choose an expiry no later than that (or leave it out to expire together with it)`,
  ),
  "api.nulCharacter": entry(
    () => "内容里有空字符（U+0000），无法保存：请删除它后重试",
    () => "The value holds a NUL character (U+0000), which cannot be stored: remove it and try again",
  ),
  "api.connectionMoved": entry(
    () => "这个连接的接口地址刚被其他人修改，本次修改没有保存：请刷新后重新编辑（保存的密钥只会发往保存时的地址）",
    () => "Someone changed this connection's base URL meanwhile, so this edit was not saved: reload and edit again (stored secrets only go to the address they were saved for)",
  ),
  "api.notFound": entry<{ what: string; whatEn: string }>(
    (p) => `${p.what}不存在或已被删除`,
    (p) => `The ${p.whatEn} does not exist or was deleted`,
  ),
  "api.emailTaken": entry(
    () => "该邮箱已有用户：请换一个邮箱，或修改已有的用户",
    () => "A user with this email exists: use another email, or change that user",
  ),
  "api.lastAdmin": entry(
    () => "不能降级或删除最后一位管理员：请先把另一位用户设为管理员",
    () => "The last admin cannot be demoted or deleted: make another user an admin first",
  ),
  "api.schemeFollowed": entry<{ names: string }>(
    (p) => `不能删除：方案 ${p.names} 在它之后运行。请先在这些方案的“运行顺序”中去掉它，再删除`,
    (p) => `Cannot delete: ${p.names} run after this scheme. Remove it from their run-after order first, then delete it`,
  ),
  /** A scheme save (create, update, a draft's check) refused: how many errors it has, and the first one's text. */
  "api.schemeNotSaved": entry<{ count: number; first: string; firstEn: string }>(
    (p) => `方案有 ${p.count} 处错误，未保存：${p.first}`,
    (p) => `The scheme has ${p.count} ${p.count === 1 ? "error" : "errors"} and was not saved: ${p.firstEn}`,
  ),
  /** A scheme file POST /api/schemes/import refused: how many errors it has, and the first one's text. */
  "api.schemeNotImported": entry<{ count: number; first: string; firstEn: string }>(
    (p) => `方案有 ${p.count} 处错误，未导入：${p.first}`,
    (p) => `The scheme has ${p.count} ${p.count === 1 ? "error" : "errors"} and was not imported: ${p.firstEn}`,
  ),
  "api.internal": entry(
    () => "服务器内部错误，请稍后重试",
    () => "Internal server error; try again later",
  ),
};
