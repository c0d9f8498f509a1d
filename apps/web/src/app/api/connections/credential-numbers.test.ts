// The connection's 并发调用数 (concurrency) and 金蝶 lcid take a number, or digits in a string (the
// form's, a stored value's), and nothing else. Until session 31 (its audit) they were read with
// z.coerce.number(), which made a JSON boolean a number: `concurrency: true` (or `lcid: true`) was saved
// as 1 instead of being a 400 naming the field.
// Nothing is sent: saving calls nobody.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;

beforeAll(async () => {
  bed = await openRouteBed("connconcin", "admin", { QIAO_ALLOW_PRIVATE_TARGETS: "true" });
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

describe("a boolean where a number is expected", { timeout: 60_000 }, () => {
  it.each([
    ["concurrency", { concurrency: true }],
    ["lcid", { lcid: true }],
  ])("%s: true is refused (400 on that credentials field), and nothing is saved", async (field, extra) => {
    const { POST, GET } = await import("./route");
    const before = ((await bed.call(GET, "/api/connections")).body.connections as unknown[]).length;
    const res = await bed.call(POST, "/api/connections", {
      body: { platform: "kingdee", name: `金蝶 ${field}`, baseUrl: "http://127.0.0.1:9/k3cloud/", credentials: { acctId: "dc", username: "u", password: "p", ...extra } },
    });
    const after = ((await bed.call(GET, "/api/connections")).body.connections as { settings: Record<string, unknown> }[]);
    expect(
      res.status,
      `answered ${res.status}${res.status === 201 ? `, saved with ${field} = ${JSON.stringify((res.body as { settings: Record<string, unknown> }).settings[field])}` : ""}`,
    ).toBe(400);
    expect(res.body.error?.issues?.map((i) => i.path)).toContainEqual(["credentials", field]);
    expect(after.length).toBe(before);
  });

  it("digits in a string are the number they spell; other text is refused naming the field", async () => {
    const { POST } = await import("./route");
    const save = (extra: Record<string, unknown>) =>
      bed.call(POST, "/api/connections", {
        body: { platform: "kingdee", name: "金蝶 数字", baseUrl: "http://127.0.0.1:9/k3cloud/", credentials: { acctId: "dc", username: "u", password: "p", ...extra } },
      });
    const saved = await save({ concurrency: " 3 ", lcid: "1033" });
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect((saved.body as { settings: Record<string, unknown> }).settings).toMatchObject({ concurrency: 3, lcid: 1033 });
    for (const extra of [{ concurrency: "three" }, { concurrency: "" }, { lcid: [2052] }]) {
      const res = await save(extra);
      expect(res.status, JSON.stringify(extra)).toBe(400);
      expect(res.body.error?.issues?.map((i) => i.path)).toContainEqual(["credentials", Object.keys(extra)[0]]);
    }
  });
});
