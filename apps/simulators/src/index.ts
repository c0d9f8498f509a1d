// Faithful local 管易云 and 金蝶云星空 API servers (dev, demo, tests, benchmarks).
// They implement ../shared/protocols from the server's side and share no code with the connectors.
import { createAlertReceiver, createSmtpReceiver, DEFAULT_SMTP_LOGIN } from "./alerts";
import { createGuanyiSimulator, guanyiOptionsFromEnv } from "./guanyi";
import { createKingdeeSimulator, kingdeeOptionsFromEnv } from "./kingdee";

export * from "./alerts";
export * from "./guanyi";
export * from "./kingdee";
export { seededRandom } from "./random";
export { LATENCY_JITTER, LATENCY_PROFILES, REAL_PROFILE, type LatencyProfile } from "./latency";

export interface RunningSimulator {
  name: string;
  /** The base URL a connection uses (Guanyi: …/rest/erp_open, Kingdee: …/k3cloud/). */
  url: string;
  close(): Promise<void>;
}

export async function startSimulatorsFromEnv(env: NodeJS.ProcessEnv): Promise<RunningSimulator[]> {
  const host = env.SIMULATOR_HOST ?? "127.0.0.1";
  const guanyi = createGuanyiSimulator(guanyiOptionsFromEnv(env));
  const kingdee = createKingdeeSimulator(kingdeeOptionsFromEnv(env));
  const guanyiUrl = await guanyi.listen(Number(env.GUANYI_SIM_PORT ?? 4010), host);
  const kingdeeUrl = await kingdee.listen(Number(env.KINGDEE_SIM_PORT ?? 4020), host);
  // The alert receiver: robots and webhooks over HTTP, email over SMTP on loopback (same inbox).
  const receiver = createAlertReceiver({
    ...(env.ALERTS_SIM_DINGTALK_SECRET !== undefined && { dingtalkSecret: env.ALERTS_SIM_DINGTALK_SECRET }),
    ...(env.ALERTS_SIM_WEBHOOK_SECRET !== undefined && { webhookSecret: env.ALERTS_SIM_WEBHOOK_SECRET }),
  });
  const smtp = createSmtpReceiver(receiver.inbox, {
    user: env.ALERTS_SIM_SMTP_USER || DEFAULT_SMTP_LOGIN.user,
    password: env.ALERTS_SIM_SMTP_PASSWORD || DEFAULT_SMTP_LOGIN.password,
  });
  const alertsUrl = await receiver.listen(Number(env.ALERTS_SIM_PORT ?? 4030), host);
  const smtpPort = await smtp.listen(Number(env.ALERTS_SIM_SMTP_PORT ?? 4025));
  return [
    { name: "管易云 (Guanyi)", url: guanyiUrl, close: () => guanyi.close() },
    { name: "金蝶云星空 (Kingdee)", url: kingdeeUrl, close: () => kingdee.close() },
    { name: "告警接收器 (alerts)", url: alertsUrl, close: () => receiver.close() },
    { name: "告警邮件 SMTP (alerts)", url: `smtp://127.0.0.1:${smtpPort}`, close: () => smtp.close() },
  ];
}
