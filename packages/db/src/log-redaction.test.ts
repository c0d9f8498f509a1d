import { Writable } from "node:stream";
import { pino } from "pino";
import { expect, test } from "vitest";
import { LOG_REDACTION } from "./log-redaction";

function logged(object: Record<string, unknown>): string {
  let out = "";
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      out += chunk.toString();
      done();
    },
  });
  pino({ redact: LOG_REDACTION }, sink).info(object, "line");
  return out;
}

test("secrets, authorization headers and cookies never reach a log line, at any depth a log uses", () => {
  const line = logged({
    password: "pw-top-level",
    connection: { appSecret: "app-secret-1", sessionkey: "session-key-1", credentials: { acctId: "x", password: "888888-x" } },
    req: { headers: { authorization: "Bearer qiao_token_1", cookie: "better-auth.session_token=c1", "set-cookie": ["s1=v"] } },
    err: { config: { headers: { Authorization: "Basic b64", authorization: "Bearer deep-token" } } },
    env: { BETTER_AUTH_SECRET: "auth-secret-1", QIAO_SECRET_KEYS: "k1:key-1" },
    token: "qiao_plain_token",
  });
  for (const secret of ["pw-top-level", "app-secret-1", "session-key-1", "888888-x", "qiao_token_1", "session_token=c1", "s1=v", "deep-token", "Basic b64", "auth-secret-1", "key-1", "qiao_plain_token"]) {
    expect(line).not.toContain(secret);
  }
  expect(line).toContain('"authorization":"[redacted]"');
  expect(line).toContain('"msg":"line"');
});

// Session 35 (the audit's suspicion 5): keys a credential travels under elsewhere than the list above.
test("an SMTP auth's pass, a 管易云 sign, 金蝶 session ids, sealed secrets and a webhook URL never reach a log line", () => {
  const line = logged({
    transport: { auth: { user: "alerts", pass: "smtp-pass-1" } },
    request: { body: { appkey: "112194", sign: "SIGN0A1B2C3D" } },
    err: { headers: { "kdservice-sessionid": "kd-session-1" }, login: { KDSVCSessionId: "kd-session-2", Context: { SessionId: "asp-session-1" } } },
    row: { id: "c1", secretCiphertext: "v3.iv.tag.body-1.dd" },
    channel: { kind: "webhook", url: "https://api.telegram.org/bot1234:AAH-token/sendMessage" },
  });
  for (const secret of ["smtp-pass-1", "SIGN0A1B2C3D", "kd-session-1", "kd-session-2", "asp-session-1", "body-1", "AAH-token"]) {
    expect(line).not.toContain(secret);
  }
  // What names them stays: the user, the appkey, the row's id, the channel's kind.
  expect(line).toContain('"user":"alerts"');
  expect(line).toContain('"appkey":"112194"');
  expect(line).toContain('"id":"c1"');
  expect(line).toContain('"kind":"webhook"');
});

test("ordinary fields are kept", () => {
  expect(logged({ runId: "r1", connection: { name: "金蝶" } })).toContain('"runId":"r1","connection":{"name":"金蝶"}');
});
