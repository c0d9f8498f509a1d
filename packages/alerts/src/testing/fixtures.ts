// Test support: a fresh migrated database per test file, a running alert receiver (HTTP + SMTP on
// loopback) and the deps the alert functions take, pointed at both.
import { createPrisma, type Db } from "@qiao/db";
import { createTestDatabase, type TestDatabase } from "@qiao/db/testing";
import { createAlertReceiver, createSmtpReceiver, DEFAULT_SMTP_LOGIN, type AlertReceiver, type SmtpReceiver } from "@qiao/simulators";
import type { AlertDeps } from "../alerts";

export interface AlertTestBed {
  db: Db;
  receiver: AlertReceiver;
  receiverUrl: string;
  smtpPort: number;
  deps: AlertDeps;
  close(): Promise<void>;
}

/** The receivers are on loopback; the SMTP one offers no STARTTLS, so a plain login to it is allowed (QIAO_SMTP_ALLOW_PLAIN_LOOPBACK). */
export const LOOPBACK_POLICY = { allowPrivateTargets: true, allowedHosts: [], maxResponseBytes: 1_000_000, allowPlainSmtpLoopback: true };

export async function openAlertTestBed(label: string): Promise<AlertTestBed> {
  const database: TestDatabase = await createTestDatabase(label);
  const db = createPrisma(database.url, 6);
  const receiver = createAlertReceiver();
  const smtp: SmtpReceiver = createSmtpReceiver(receiver.inbox, DEFAULT_SMTP_LOGIN);
  const receiverUrl = await receiver.listen(0);
  const smtpPort = await smtp.listen(0);
  return {
    db,
    receiver,
    receiverUrl,
    smtpPort,
    deps: { db, publicUrl: "http://qiao.example", policy: LOOPBACK_POLICY, retryDelaysMs: [20, 40], timeoutMs: 5_000 },
    async close() {
      await receiver.close();
      await smtp.close();
      await db.$disconnect();
      await database.drop();
    },
  };
}
