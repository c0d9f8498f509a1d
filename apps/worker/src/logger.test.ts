import { expect, test } from "vitest";
import { createLogger } from "./logger";

test("the worker log redacts secrets, authorization headers and cookies", () => {
  let out = "";
  const log = createLogger("info", { write: (line: string) => void (out += line) });
  log.error({ err: { config: { headers: { authorization: "Basic worker-basic" } } }, connection: { appSecret: "worker-app-secret" }, cookie: "kdservice-sessionid=worker-session" }, "call failed");
  expect(out).toContain('"msg":"call failed"');
  for (const secret of ["worker-basic", "worker-app-secret", "worker-session"]) expect(out).not.toContain(secret);
});
