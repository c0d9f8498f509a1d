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

test("ordinary fields are kept", () => {
  expect(logged({ runId: "r1", connection: { name: "金蝶" } })).toContain('"runId":"r1","connection":{"name":"金蝶"}');
});
