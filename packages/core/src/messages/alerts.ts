// Why an alert did not go out through a channel, or an email channel's SMTP server could not be
// checked (@qiao/alerts' AlertSendError): a channel's last error, the answer to 发送测试 and to a save.
// `where` is an address as people may see it (a webhook's URL without its query, masked), `host` an
// SMTP server's name or address; neither ever holds a token or a password.
import { entry, type StoredMessage } from "./message";

type Nested = StoredMessage | string;

const ROBOT = { dingtalk: { zh: "钉钉", en: "DingTalk" }, wecom: { zh: "企业微信", en: "WeCom" } } as const;
type AlertRobot = keyof typeof ROBOT;

/** What a robot's errcode usually means: the wrong signature or keyword, or a token / key that is not valid. */
const robotHint = (errcode: number) => (errcode === 310000 ? "signature" : errcode === 300001 || errcode === 93000 ? "token" : undefined);
const ROBOT_HINT = {
  signature: { zh: "（加签密钥或时间戳不对，或消息缺少安全设置里的关键词）", en: " (the signing secret or the timestamp is wrong, or the message lacks a keyword of the robot's security settings)" },
  token: { zh: "（网址里的 token / key 无效）", en: " (the token / key in the URL is not valid)" },
} as const;

/** An SMTP server's reply code, when it gave one. */
const replyCode = (code: number | null) => (code === null ? "" : ` (${code})`);

export const alertMessages = {
  // Webhooks and robots (HTTP).
  /** The outbound policy refused the address: `refused` / `refusedEn` are its words. */
  "alert.addressRefused": entry<{ where: string; refused: string; refusedEn: string }>(
    (p) => `不能发送到 ${p.where}：${p.refused}`,
    (p) => `Cannot send to ${p.where}: ${p.refusedEn}`,
  ),
  "alert.noAnswer": entry<{ where: string }>(
    (p) => `${p.where} 没有在规定时间内应答`,
    (p) => `${p.where} did not answer in time`,
  ),
  "alert.connectionRefused": entry<{ where: string }>(
    (p) => `连不上 ${p.where}（连接被拒绝）`,
    (p) => `Cannot connect to ${p.where} (connection refused)`,
  ),
  "alert.hostNotFound": entry<{ where: string }>(
    (p) => `找不到主机 ${p.where}（域名无法解析）`,
    (p) => `Host ${p.where} not found (its name does not resolve)`,
  ),
  /** `reason`: the system's error code, else its own words. */
  "alert.sendFailed": entry<{ where: string; reason: string }>(
    (p) => `发送到 ${p.where} 失败：${p.reason}`,
    (p) => `Sending to ${p.where} failed: ${p.reason}`,
  ),
  "alert.robotHttp": entry<{ robot: AlertRobot; where: string; status: number }>(
    (p) => `${ROBOT[p.robot].zh}机器人 ${p.where} 应答 HTTP ${p.status}`,
    (p) => `The ${ROBOT[p.robot].en} robot ${p.where} answered HTTP ${p.status}`,
  ),
  "alert.robotUnexpected": entry<{ robot: AlertRobot; where: string }>(
    (p) => `${ROBOT[p.robot].zh}机器人 ${p.where} 的应答不是预期的 {errcode, errmsg}：请检查网址`,
    (p) => `The ${ROBOT[p.robot].en} robot ${p.where} did not answer with the expected {errcode, errmsg}: check the URL`,
  ),
  /** `errmsg`: the robot's own words (quoted in English: they may be Chinese). */
  "alert.robotRefused": entry<{ robot: AlertRobot; errcode: number; errmsg: string | null }>(
    (p) => {
      const hint = robotHint(p.errcode);
      return `${ROBOT[p.robot].zh}机器人拒绝了消息：errcode ${p.errcode} ${p.errmsg ?? ""}${hint ? ROBOT_HINT[hint].zh : ""}`.trim();
    },
    (p) => {
      const hint = robotHint(p.errcode);
      return `The ${ROBOT[p.robot].en} robot refused the message: errcode ${p.errcode}${p.errmsg ? ` "${p.errmsg}"` : ""}${hint ? ROBOT_HINT[hint].en : ""}`;
    },
  ),
  "alert.webhookHttp": entry<{ where: string; status: number }>(
    (p) => `Webhook ${p.where} 应答 HTTP ${p.status}`,
    (p) => `Webhook ${p.where} answered HTTP ${p.status}`,
  ),
  /** A generic webhook's every attempt failed: `last` is why the last one did. */
  "alert.webhookAttempts": entry<{ last: Nested | null; attempts: number }>(
    (p, r) => `${p.last ? r(p.last) : "发送失败"}（已尝试 ${p.attempts} 次）`,
    (p, r) => `${p.last ? r(p.last) : "Sending failed"} (tried ${p.attempts} times)`,
  ),
  /** Something other than the network failed a send: `text` is its own words. */
  "alert.unexpected": entry<{ text: string }>(
    (p) => p.text,
    (p) => p.text,
  ),

  // SMTP (email channels): `where` is host:port.
  "alert.smtpHostNotFound": entry<{ host: string }>(
    (p) => `找不到 SMTP 服务器 ${p.host}（域名无法解析）`,
    (p) => `SMTP server ${p.host} not found (its name does not resolve)`,
  ),
  "alert.smtpNoAddress": entry<{ host: string }>(
    (p) => `找不到 SMTP 服务器 ${p.host}`,
    (p) => `SMTP server ${p.host} not found`,
  ),
  "alert.smtpAddressRefused": entry<{ host: string; refused: string; refusedEn: string }>(
    (p) => `不能连接 SMTP 服务器 ${p.host}：${p.refused}`,
    (p) => `Cannot connect to the SMTP server ${p.host}: ${p.refusedEn}`,
  ),
  /** `localRelay`: the server is on this machine, where QIAO_SMTP_ALLOW_PLAIN_LOOPBACK may allow a plain login. */
  "alert.smtpStartTls": entry<{ where: string; localRelay: boolean }>(
    (p) =>
      `SMTP 服务器 ${p.where} 未能建立 STARTTLS 加密（服务器没有提供，或证书无效），为免密码以明文发送，未登录：请改用 SSL/TLS（通常端口 465），或检查服务器的 STARTTLS 设置和证书` +
      (p.localRelay ? "；本机上的中继可设置 QIAO_SMTP_ALLOW_PLAIN_LOOPBACK=true 以明文登录" : ""),
    (p) =>
      `The SMTP server ${p.where} did not set up STARTTLS encryption (the server does not offer it, or its certificate is not valid), so there was no login (the password is never sent in clear): use SSL/TLS (usually port 465), or check the server's STARTTLS settings and certificate` +
      (p.localRelay ? "; a relay on this machine may log in in plain text with QIAO_SMTP_ALLOW_PLAIN_LOOPBACK=true" : ""),
  ),
  "alert.smtpTls": entry<{ where: string }>(
    (p) => `与 SMTP 服务器 ${p.where} 的 TLS 连接失败：请检查端口和加密方式（SSL/TLS 通常用端口 465），以及服务器证书`,
    (p) => `The TLS connection to the SMTP server ${p.where} failed: check the port and the encryption (SSL/TLS usually uses port 465), and the server's certificate`,
  ),
  "alert.smtpLoginRefused": entry<{ where: string; code: number | null }>(
    (p) => `SMTP 服务器 ${p.where} 拒绝了登录：请检查用户名和密码（${p.code ?? ""}）`.replace("（）", ""),
    (p) => `The SMTP server ${p.where} refused the login${replyCode(p.code)}: check the user name and password`,
  ),
  "alert.smtpEnvelopeRefused": entry<{ where: string; code: number | null }>(
    (p) => `SMTP 服务器 ${p.where} 拒绝了发件人或收件人（${p.code ?? ""}）：请检查地址`,
    (p) => `The SMTP server ${p.where} refused the sender or a recipient${replyCode(p.code)}: check the addresses`,
  ),
  "alert.smtpNoAnswer": entry<{ where: string }>(
    (p) => `SMTP 服务器 ${p.where} 没有在规定时间内应答`,
    (p) => `The SMTP server ${p.where} did not answer in time`,
  ),
  "alert.smtpUnreachable": entry<{ where: string }>(
    (p) => `连不上 SMTP 服务器 ${p.where}：请检查主机、端口和加密方式`,
    (p) => `Cannot connect to the SMTP server ${p.where}: check the host, the port and the encryption`,
  ),
  "alert.smtpMessageRefused": entry<{ where: string; code: number | null }>(
    (p) => `SMTP 服务器 ${p.where} 拒绝了邮件（${p.code ?? ""}）`,
    (p) => `The SMTP server ${p.where} refused the message${replyCode(p.code)}`,
  ),
  /** `code`: the error's code, null when it had none. */
  "alert.smtpFailed": entry<{ where: string; code: string | null }>(
    (p) => `通过 SMTP 服务器 ${p.where} 发送失败：${p.code ?? "未知错误"}`,
    (p) => `Sending through the SMTP server ${p.where} failed: ${p.code ?? "unknown error"}`,
  ),

  // The channel itself.
  "alert.channelSecretsUnreadable": entry(
    () => "渠道的密钥无法解开（密钥已更换或数据被改动）：请在设置里重新填写网址和密钥",
    () => "The channel's secrets cannot be decrypted (the key changed or the row was altered): enter its URL and secrets again in Settings",
  ),
  /** Session 35: an email channel's SMTP server (host, port, TLS, user) was changed outside Settings after its password was saved. */
  "alert.channelAddressChanged": entry(
    () => "渠道的 SMTP 服务器（地址、端口、加密方式或用户名）在保存密码之后被改动过（不是在设置里修改的）：为免把密码发往新服务器，没有发送。请在设置里确认服务器后重新填写密码",
    () => "The channel's SMTP server (host, port, TLS or user) was changed after its password was saved (not in Settings), so the password is not sent to it and nothing was sent. Check the server in Settings and enter the password again",
  ),
  "alert.channelInvalid": entry(
    () => "渠道配置无效：请在设置里检查并保存一次",
    () => "The channel's settings are not valid: check them in Settings and save them once",
  ),
};
