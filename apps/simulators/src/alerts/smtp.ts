// A tiny SMTP server for alert emails in tests and local use (smtp-server), on loopback only: it
// checks the login it was given, keeps every message in the alert inbox (subject, from, to, text)
// and refuses a wrong login with 535 as a real server does. No STARTTLS: plain SMTP on 127.0.0.1.
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import type { AlertInbox } from "./receiver";

export interface SmtpReceiverOptions {
  user: string;
  password: string;
}

export const DEFAULT_SMTP_LOGIN: SmtpReceiverOptions = { user: "alerts@qiao.local", password: "qiao-sim-smtp-password" };

/** Decodes RFC 2047 words (=?UTF-8?B?…?= / =?UTF-8?Q?…?=) in a header. */
function decodeHeader(value: string): string {
  return value.replace(/=\?utf-8\?([bq])\?([^?]*)\?=\s*/gi, (_m, enc: string, text: string) =>
    enc.toLowerCase() === "b"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"),
  );
}

function parseMessage(raw: string): { subject: string; text: string } {
  const [head = "", ...rest] = raw.split(/\r?\n\r?\n/);
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const subject = decodeHeader(/^subject:\s*(.*)$/im.exec(unfolded)?.[1] ?? "");
  const encoding = /^content-transfer-encoding:\s*(\S+)/im.exec(unfolded)?.[1]?.toLowerCase();
  let body = rest.join("\n\n");
  if (encoding === "base64") body = Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  else if (encoding === "quoted-printable") {
    body = Buffer.from(body.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8");
  }
  return { subject, text: body };
}

export interface SmtpReceiver {
  listen(port: number): Promise<number>;
  close(): Promise<void>;
}

export function createSmtpReceiver(inbox: AlertInbox, login: SmtpReceiverOptions = DEFAULT_SMTP_LOGIN): SmtpReceiver {
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    authMethods: ["PLAIN", "LOGIN"],
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === login.user && auth.password === login.password) return callback(null, { user: auth.username });
      inbox.refuse("email", 535, "authentication failed");
      callback(Object.assign(new Error("5.7.8 Authentication credentials invalid"), { responseCode: 535 }));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const { subject, text } = parseMessage(Buffer.concat(chunks).toString("utf8"));
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "";
        inbox.accept("email", Boolean(session.user), { subject, from, to: session.envelope.rcptTo.map((r) => r.address), text });
        callback();
      });
    },
  });
  return {
    listen(port) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        // Loopback only: this server accepts anything it is sent.
        server.listen(port, "127.0.0.1", () => resolve((server.server.address() as AddressInfo).port));
      });
    },
    close() {
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
