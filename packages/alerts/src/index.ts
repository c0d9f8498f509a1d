// Alerts (告警): channels, rules, the rate window and the messages (docs/alerts.md). Used by the
// worker (follow-up after a run, maintenance tick) and the web app (settings, 发送测试).
export * from "./alerts";
export * from "./channel-config";
export * from "./message";
export { AlertSendError, DEFAULT_RETRY_DELAYS_MS, sendMessage, verifySmtp, type SendOptions } from "./send";
export * from "./sign";
