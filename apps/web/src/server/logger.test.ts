import { expect, test } from "vitest";
import { createWebLogger } from "./logger";

test("the web log redacts secrets, authorization headers and cookies", () => {
  let out = "";
  const log = createWebLogger({ write: (line: string) => void (out += line) });
  log.warn({ req: { headers: { authorization: "Bearer qiao_web_token", cookie: "better-auth.session_token=web-cookie" } }, password: "web-password" }, "refused");
  expect(out).toContain('"msg":"refused"');
  for (const secret of ["qiao_web_token", "web-cookie", "web-password"]) expect(out).not.toContain(secret);
});
