// What the API answers when it refuses a request: its wrapper (before or after a route runs), and
// the routes themselves.
import type { Role } from "../roles";
import { entry } from "./message";

const ROLE_ZH: Record<Role, string> = { viewer: "查看者", editor: "编辑者", admin: "管理员" };
const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(", ");

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
  /** Session 35: "\ud800" is valid JSON, but no character: jsonb refuses it, text would store U+FFFD instead. */
  "api.loneSurrogate": entry(
    () => "内容里有残缺的字符（单独的 UTF-16 代理项，U+D800–U+DFFF），无法保存：请删除它或重新输入该字符后重试",
    () => "The value holds a lone UTF-16 surrogate (U+D800–U+DFFF), which is not a character and cannot be stored: remove it or type the character again",
  ),
  /** Session 31: the form's edit was made on a version of the connection that someone else has changed since. */
  "api.connectionChanged": entry(
    () => "这个连接刚被其他人修改过，本次修改没有保存：请刷新后重新编辑",
    () => "Someone else changed this connection meanwhile, so this edit was not saved: reload and edit again",
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
  "api.schemeFollowed": entry<{ names: string[] }>(
    (p) => `不能删除：方案 ${p.names.map((n) => `“${n}”`).join("、")} 在它之后运行。请先在这些方案的“运行顺序”中去掉它，再删除`,
    (p) =>
      `Cannot delete: ${p.names.length === 1 ? "the scheme" : "the schemes"} ${quoted(p.names)} ${p.names.length === 1 ? "runs" : "run"} after this one. ` +
      `Remove it from ${p.names.length === 1 ? "its" : "their"} run-after order first, then delete it`,
  ),
  /** Deleting a scheme others look up (`lookup('方案', …)`): their lookups answer from its staging rows, which go with it. */
  "api.schemeLookedUp": entry<{ names: string[] }>(
    (p) => `不能删除：方案 ${p.names.map((n) => `“${n}”`).join("、")} 的 lookup 读取它写入的结果（删除会一并删掉这些结果）。请先在这些方案的映射中去掉对它的 lookup，再删除`,
    (p) =>
      `Cannot delete: ${p.names.length === 1 ? "the scheme" : "the schemes"} ${quoted(p.names)} ${p.names.length === 1 ? "looks" : "look"} up what this one wrote ` +
      `(deleting it deletes that too). Remove the lookup of it from ${p.names.length === 1 ? "its" : "their"} mapping first, then delete it`,
  ),
  /** A scheme created or renamed to a name another scheme has (lookups and run-after files name schemes, so names are unique). */
  "api.schemeNameTaken": entry<{ name: string }>(
    (p) => `已有名为 “${p.name}” 的方案：方案名称不能重复（lookup 和运行顺序按名称找方案）。请换一个名称，或先重命名已有的方案`,
    (p) => `A scheme named "${p.name}" exists: scheme names are unique (lookups and run-after orders find schemes by name). Choose another name, or rename the existing scheme first`,
  ),
  /** An imported file whose scheme name another scheme has here (often the scheme it was exported from). */
  "api.schemeImportNameTaken": entry<{ name: string }>(
    (p) =>
      `已有名为 “${p.name}” 的方案（可能就是导出这个文件的方案），未导入：方案名称不能重复（lookup 和运行顺序按名称找方案）。` +
      `如需保留两份，请先重命名已有的方案，或修改文件中的 name 后再导入`,
    (p) =>
      `A scheme named "${p.name}" exists here (perhaps the one this file was exported from), so the file was not imported: scheme names are unique ` +
      `(lookups and run-after orders find schemes by name). To keep both, rename the existing scheme first, or change the file's name, then import it again`,
  ),
  /** Deleting a scheme: its schedulers could not be removed from the queue, so it was kept. */
  "api.schedulesNotRemoved": entry(
    () => "方案的调度未能从队列（Redis）中移除，方案没有删除：请稍后再试",
    () => "The scheme's schedules could not be removed from the queue (Redis), so the scheme was not deleted: try again in a while",
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
  /** A text a package already words in both languages (an address the outbound policy refuses, a cron check, a connection test's finding): shown as worded. */
  "api.worded": entry<{ zh: string; en: string }>(
    (p) => p.zh,
    (p) => p.en,
  ),
  "api.bodyTooLarge": entry<{ limit: number }>(
    (p) => `请求体超过 ${p.limit} 字节，未处理`,
    (p) => `The request body is larger than ${p.limit} bytes and was not processed`,
  ),
  "api.signInThrottled": entry<{ minutes: number }>(
    (p) => `登录尝试次数过多，请 ${p.minutes} 分钟后再试`,
    (p) => `Too many sign-in attempts: try again in ${p.minutes} ${p.minutes === 1 ? "minute" : "minutes"}`,
  ),

  // API tokens.
  "api.tokenRoleTooHigh": entry<{ role: Role }>(
    (p) => `令牌的角色不能高于你自己的角色（${ROLE_ZH[p.role]}）：请选择${ROLE_ZH[p.role]}或更低的角色`,
    (p) => `A token's role cannot be higher than your own (${p.role}): choose ${p.role} or a lower role`,
  ),
  "api.allTokensAdminOnly": entry(
    () => "只有管理员能查看所有人的令牌",
    () => "Only admins can see everyone's tokens",
  ),

  // Connections.
  "api.unknownPlatform": entry<{ platform: string }>(
    (p) => `不支持的平台：${p.platform}`,
    (p) => `Unknown platform ${p.platform}`,
  ),
  "api.credentialsInvalid": entry(
    () => "连接信息不完整或不正确",
    () => "The connection details are incomplete or incorrect",
  ),
  /** A new base URL without the stored secrets typed again: `labels` / `labelsEn` name those fields. */
  "api.secretsForNewBaseUrl": entry<{ labels: string[]; labelsEn: string[] }>(
    (p) => `接口地址已修改：请重新输入 ${p.labels.join("、")}（保存的密钥只会发往保存时的地址）`,
    (p) => `The base URL changed: enter ${p.labelsEn.join(", ")} again (stored secrets only go to the address they were saved for)`,
  ),
  "api.connectionInUse": entry<{ schemes: string[] }>(
    (p) => `连接正被集成方案使用：${p.schemes.join("、")}。请先修改或删除这些方案。`,
    (p) => `The connection is used by ${p.schemes.length === 1 ? "the scheme" : "the schemes"} ${quoted(p.schemes)}: change or delete ${p.schemes.length === 1 ? "it" : "them"} first.`,
  ),
  /**
   * Session 31: a delete while a queued or running run uses the connection through the scheme
   * version it was created with (the scheme's current definition may no longer name it).
   */
  "api.connectionRunActive": entry<{ runId: string; scheme: string }>(
    (p) => `方案“${p.scheme}”的任务 ${p.runId} 正在排队或运行，它按创建时的方案版本使用这个连接：请等它结束或取消后再删除连接`,
    (p) => `Run ${p.runId} of the scheme "${p.scheme}" is queued or running and uses this connection (through the scheme version it was created with): wait for it to end or cancel it, then delete the connection`,
  ),
  /**
   * Session 31: an edit that points the connection elsewhere (`fields`: the base URL or the account
   * fields that changed) while a queued or running run uses it: that run would call both places.
   */
  "api.connectionMoveBusy": entry<{ runId: string; scheme: string; fields: string[]; fieldsEn: string[] }>(
    (p) =>
      `方案“${p.scheme}”的任务 ${p.runId} 正在排队或运行并使用这个连接，暂不能修改${p.fields.join("、")}：该任务一直在调用连接原来指向的系统，修改后它余下的调用（包括查询结果未知的记录）会发往另一个系统，同一批记录可能被写入两个 ERP。请等它结束或取消后再保存`,
    (p) =>
      `Run ${p.runId} of the scheme "${p.scheme}" is queued or running and uses this connection, so its ${p.fieldsEn.join(", ")} cannot be changed now: the run has been calling the system it points at, and its remaining calls (lookups of unknown outcomes included) would go to another one, writing the same records to two ERPs. Wait for it to end or cancel it, then save again`,
  ),
  /** A connection test that failed other than through the connector (`text`: the error's own words). */
  "api.connectionTestFailed": entry<{ text: string }>(
    (p) => `连接测试失败：${p.text}`,
    (p) => `The connection test failed: ${p.text}`,
  ),

  // Schemes and their runs.
  "api.scheduleNotSynced": entry(
    () => "方案已保存，但调度未能同步到队列（Redis），请稍后再保存一次",
    () => "The scheme was saved, but its schedule could not be synced to the queue (Redis): save it again in a while",
  ),
  "api.noSchedule": entry(
    () => "该方案没有设置定时调度，无需启用：请在编辑器的方案设置里填写定时表达式",
    () => "The scheme has no schedule to switch on: enter a cron expression in the scheme settings of the editor",
  ),
  "api.schemeRunning": entry(
    () => "方案正在运行：请等运行结束或取消后再删除",
    () => "The scheme has an active run: wait for it to end or cancel it, then delete the scheme",
  ),
  "api.runCursorUnknown": entry(
    () => "分页起点不是本方案的运行（可能已被清理）：请从第一页重新加载",
    () => "The cursor is not a run of this scheme (it may have been pruned): load the list again from its first page",
  ),
  "api.runEnded": entry(
    () => "运行已经结束，无法取消",
    () => "The run has already ended and cannot be cancelled",
  ),
  "api.noFailedRecords": entry(
    () => "本方案没有失败的记录",
    () => "The scheme has no failed records",
  ),
  "api.noDeadLetters": entry(
    () => "本方案没有死信记录",
    () => "The scheme has no dead letters",
  ),
  "api.selectedNoLongerFailed": entry(
    () => "所选记录已不是失败记录（可能已被重试或写入），请刷新列表",
    () => "The selected records are no longer failed (they may have been retried or written): refresh the list",
  ),
  "api.selectedNoLongerDeadLetters": entry(
    () => "所选记录已不在死信中（可能已被重试或写入），请刷新列表",
    () => "The selected records are no longer dead letters (they may have been retried or written): refresh the list",
  ),
  "api.runHasNoFailedRecords": entry(
    () => "这次运行没有失败的记录",
    () => "This run has no failed records",
  ),
  "api.selectedNotFailedInRun": entry(
    () => "所选记录不是这次运行的失败记录",
    () => "The selected records are not failed records of this run",
  ),
  "api.runFailuresNoLongerFailed": entry(
    () => "这次运行的失败记录都已不是失败记录（可能已被重试、写入，或正在核对结果），请刷新列表",
    () => "None of this run's failed records is failed any more (they may have been retried or written, or their outcome is being checked): refresh the list",
  ),

  // Value maps.
  "api.valueMapNameTaken": entry<{ name: string }>(
    (p) => `值映射名称 “${p.name}” 已被使用：请换一个名称`,
    (p) => `The value map name "${p.name}" is taken: choose another name`,
  ),
  /** `rows`: the 1-based rows the source value is on. */
  "api.valueMapDuplicateSource": entry<{ source: string; rows: number[] }>(
    (p) => `源值 “${p.source}” 重复（第 ${p.rows.join("、")} 行）：每个源值只能出现一次`,
    (p) => `The source value "${p.source}" is repeated (rows ${p.rows.join(", ")}): each source value may appear only once`,
  ),
  "api.valueMapTooManyRows": entry<{ count: number; limit: number }>(
    (p) => `值映射将有 ${p.count} 行，超过上限 ${p.limit} 行，未保存：请删除不用的行`,
    (p) => `The value map would have ${p.count} rows, more than the limit of ${p.limit}, and was not saved: delete the rows it no longer needs`,
  ),
  "api.valueMapTooLarge": entry<{ bytes: number; limit: number }>(
    (p) => `值映射的行共 ${p.bytes} 字节（按页面保存时的 JSON 计），超过上限 ${p.limit} 字节，未保存：请删除不用的行或缩短过长的值`,
    (p) => `The value map's rows would take ${p.bytes} bytes (as JSON, the way the page saves them), more than the limit of ${p.limit}, and were not saved: delete the rows it no longer needs or shorten long values`,
  ),
  "api.valueMapBusy": entry(
    () => "值映射正被其他请求同时修改，未保存：请刷新后重试",
    () => "The value map kept being changed by other requests at the same time and was not saved: reload it and try again",
  ),
  "api.schemeChangedSince": entry<{ current: number; base: number }>(
    (p) => `方案在你打开版本 ${p.base} 之后已被保存为版本 ${p.current}，本次未保存。可在新标签页打开方案查看最新版本；再次保存将以你的修改覆盖它`,
    (p) => `The scheme was saved as version ${p.current} after you opened version ${p.base}, so this save was not made. Open the scheme in a new tab to see the latest version; save again to overwrite it with your changes`,
  ),
  /** A test or run asked for the version the editor shows (`base`), no longer the current one. */
  "api.schemeChangedSinceShown": entry<{ current: number; base: number; action: "test" | "run" }>(
    (p) => `方案在你打开版本 ${p.base} 之后已被保存为版本 ${p.current}，本次未${p.action === "test" ? "测试" : "运行"}（你看到的映射已不是当前版本）。请刷新页面查看版本 ${p.current} 后再${p.action === "test" ? "测试" : "运行"}`,
    (p) => `The scheme was saved as version ${p.current} after you opened version ${p.base}, so it was not ${p.action === "test" ? "tested" : "run"} (the mapping you see is no longer the current one). Reload the page to see version ${p.current}, then ${p.action === "test" ? "test" : "run"} it again`,
  ),
  "api.valueMapInUse": entry<{ names: string[] }>(
    (p) => `不能删除：方案 ${p.names.map((n) => `“${n}”`).join("、")} 使用这个值映射（删除后它们的每次运行都会失败）。请先在这些方案中去掉 map('…')，再删除`,
    (p) => `Not deleted: ${p.names.length === 1 ? "the scheme" : "the schemes"} ${p.names.map((n) => `"${n}"`).join(", ")} ${p.names.length === 1 ? "uses" : "use"} this value map (deleted, their every run would fail). Take map('…') out of ${p.names.length === 1 ? "it" : "them"} first, then delete it`,
  ),
  "api.valueMapChanged": entry(
    () => "值映射在你打开后已被修改（导入或他人保存），未保存：请刷新页面查看最新内容，再重新修改",
    () => "The value map was changed after you opened it (an import, or someone else's save) and was not saved: reload the page to see it as it is now, then make your change again",
  ),
  /** A CSV file refused as a whole: `zh` / `en` say why. */
  "api.valueMapNotImported": entry<{ zh: string; en: string }>(
    (p) => `未导入：${p.zh}`,
    (p) => `Not imported: ${p.en}`,
  ),
  "api.valueMapMergeTooManyRows": entry<{ count: number; limit: number }>(
    (p) => `未导入：合并后值映射将有 ${p.count} 行，超过上限 ${p.limit} 行。请先删除不用的行，或选择“替换全部行”导入`,
    (p) => `Not imported: merged, the value map would have ${p.count} rows, more than the limit of ${p.limit}. Delete the rows it no longer needs first, or import with "Replace all rows"`,
  ),

  // Alerts.
  "api.channelUrlInvalid": entry(
    () => "请填写有效的网址（http:// 或 https:// 开头）",
    () => "Enter a valid URL (starting with http:// or https://)",
  ),
  /** An email channel's SMTP check failed other than with @qiao/alerts' AlertSendError (whose own message says why): `detail` is the error's words. */
  "api.smtpNotVerified": entry<{ detail: string; server: string }>(
    (p) => `SMTP 服务器 ${p.server} 无法连接或拒绝了登录（${p.detail}）：请检查主机、端口、加密方式、用户名和密码`,
    (p) => `The SMTP server ${p.server} could not be reached or refused the login: check the host, port, encryption, user name and password`,
  ),
  "api.smtpPasswordForNewServer": entry(
    () => "SMTP 服务器、端口、加密方式或用户名已修改：请重新输入密码（保存的密码只会发往保存时的服务器）",
    () => "The SMTP server, port, encryption or user name changed: enter the password again (a stored password only goes to the server it was saved for)",
  ),
  "api.signingSecretForNewUrl": entry(
    () => "地址已修改：请重新输入签名密钥，或清除它（保存的密钥只用于保存时的地址）",
    () => "The URL changed: enter the signing secret again, or clear it (a stored secret is only used for the URL it was saved with)",
  ),
  /** Session 32: an alert channel edit read before someone moved the channel (SMTP server, TLS, user, or URL). */
  "api.alertChannelMoved": entry(
    () => "这个告警渠道的地址（SMTP 服务器、端口、加密方式、用户名或网址）刚被其他人修改，本次修改没有保存：请刷新后重新编辑（保存的密码和密钥只会发往保存时的地址）",
    () => "Someone changed this alert channel's address (SMTP server, port, encryption, user name or URL) meanwhile, so this edit was not saved: reload and edit again (stored passwords and secrets only go to the address they were saved for)",
  ),
  "api.alertChannelMissing": entry(
    () => "所选的告警渠道不存在（可能已被删除）：请重新选择",
    () => "A selected alert channel does not exist (it may have been deleted): select the channels again",
  ),
  "api.alertRuleSchemeMissing": entry(
    () => "所选的集成方案不存在：请重新选择",
    () => "The selected scheme does not exist: select another one",
  ),
};
