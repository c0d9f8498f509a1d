// Bad input at the HTTP boundary is a 400 naming the field, nothing saved. A U+0000 in any value of a
// request (readJson / readQuery refuse it) would pass the zod schemas and be refused by Postgres
// (text: "invalid byte sequence for encoding UTF8: 0x00"; jsonb: "\u0000 cannot be converted to
// text"): before session 25 (its audit) a 500 `internal`, and a Prisma error dump in the web log.
// A lone UTF-16 surrogate likewise (jsonb: 22P02 "Unicode low surrogate must follow a high
// surrogate"), until session 35 (its audit). So were a credential's zod refusals (wrong type, left
// out) English in the issue's Chinese `message`: checkCredentials now parses with the zh-CN error map.
// Nothing is sent: loopback IP literals, no DNS, and saving calls nobody.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CJK } from "@/server/errors";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("nulinput", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

const GUANYI = { platform: "guanyi", name: "管易云", baseUrl: "http://127.0.0.1:9/rest/erp_open", credentials: { appkey: "112194", sessionkey: "s", secret: "k" } };

describe("a NUL character in a connection or alert channel is a 400, nothing saved", { timeout: 60_000 }, () => {
  it.each([
    ["the connection's name", { ...GUANYI, name: "管易云\u0000" }, "name"],
    ["the appkey (a non-secret credential)", { ...GUANYI, credentials: { ...GUANYI.credentials, appkey: "112194\u0000" } }, "credentials"],
    ["the base URL's path", { ...GUANYI, baseUrl: "http://127.0.0.1:9/rest/erp_open\u0000" }, "baseUrl"],
  ])("POST /api/connections with a NUL in %s", async (_what, body, field) => {
    const { POST } = await import("./route");
    const before = await bed.prisma.connection.count();
    const answer = await bed.call(POST, "/api/connections", { body });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.issues?.[0]?.path?.[0]).toBe(field);
    expect(await bed.prisma.connection.count()).toBe(before);
  });

  it("POST /api/alert-channels with a NUL in the name", async () => {
    const { POST } = await import("../alert-channels/route");
    const before = await bed.prisma.alertChannel.count();
    const answer = await bed.call(POST, "/api/alert-channels", { body: { kind: "webhook", name: "告警\u0000", url: "http://127.0.0.1:9/hook" } });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.issues?.[0]?.path?.[0]).toBe("name");
    expect(await bed.prisma.alertChannel.count()).toBe(before);
  });
});

describe("POST /api/connections with a bad credential", { timeout: 60_000 }, () => {
  it("a lone surrogate in the appkey is a 400 naming it, not a 500; nothing saved", async () => {
    const { POST } = await import("./route");
    const before = await bed.prisma.connection.count();
    const answer = await bed.call(POST, "/api/connections", { body: { ...GUANYI, credentials: { ...GUANYI.credentials, appkey: "112194\ud800" } } });
    expect(answer.status, JSON.stringify(answer.body)).toBe(400);
    expect(answer.body.error?.issues?.[0]?.path).toEqual(["credentials", "appkey"]);
    expect(await bed.prisma.connection.count()).toBe(before);
  });

  it.each([
    ["a number for the appkey", { ...GUANYI.credentials, appkey: 112194 }],
    ["no appkey at all", { sessionkey: "s", secret: "k" }],
  ])("%s: the issue a Chinese page shows is in Chinese, with English", async (_what, credentials) => {
    const { POST } = await import("./route");
    const answer = await bed.call(POST, "/api/connections", { body: { ...GUANYI, credentials } });
    expect(answer.status).toBe(400);
    const issue = (answer.body.error as unknown as { issues: { path: unknown[]; message: string; messageEn?: string }[] }).issues[0]!;
    expect(issue.path).toEqual(["credentials", "appkey"]);
    expect(issue.message, `the Chinese text is ${JSON.stringify(issue.message)}`).toMatch(CJK);
    expect(issue.messageEn).not.toMatch(CJK);
  });
});
