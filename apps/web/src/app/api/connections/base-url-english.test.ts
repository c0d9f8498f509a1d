// The two refusals of a connection's base URL written as zod refinements (a user name or password in
// it, and a scheme other than http/https) carry their English words (`params.messageEn`, which
// fromZodError hands on): the English connection form shows each issue's messageEn when there is one,
// else its message, and showed Chinese for these two until session 31 (its audit).
// Nothing is sent: refused at the body's check.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CJK } from "@/server/errors";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("connurlen", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

type Issue = { path: unknown[]; message: string; messageEn?: string };

describe("a refused base URL, said to an English page", { timeout: 60_000 }, () => {
  it.each([
    ["a user name and password in it", "http://admin:hunter2@127.0.0.1:9/k3cloud/"],
    ["a scheme other than http(s)", "ftp://127.0.0.1:9/k3cloud/"],
  ])("%s: the baseUrl issue has English words", async (_what, baseUrl) => {
    const { POST } = await import("./route");
    const res = await bed.call(POST, "/api/connections", {
      headers: { "accept-language": "en" },
      body: { platform: "kingdee", name: "金蝶", baseUrl, credentials: { acctId: "dc", username: "u", password: "p" } },
    });
    expect(res.status).toBe(400);
    const issue = (res.body.error?.issues as Issue[] | undefined)?.find((i) => i.path[0] === "baseUrl");
    expect(issue).toBeDefined();
    const shown = issue!.messageEn ?? issue!.message;
    expect(CJK.test(shown), `the English form shows: ${shown}`).toBe(false);
    expect(shown).toMatch(/base URL/);
  });
});
