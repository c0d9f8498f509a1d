// The API answers an English page in English (session 27's UI audit). The client sends `accept-language: en` (the
// page's <html lang>) and shows error.message and each issue's text (messageEn when there is one) as
// they come: the English UI must not show Chinese for a scheme that is gone, an email that is taken
// or a malformed email.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRouteBed, type RouteBed } from "@/server/testing/route-bed";

let bed: RouteBed;
const en = { "accept-language": "en" };
const CJK = /[\u3400-\u9fff]/;

beforeAll(async () => {
  bed = await openRouteBed("enerrors", "admin");
}, 120_000);

afterAll(async () => {
  await bed?.close();
});

type Body = { error?: { message?: string; issues?: { message: string; messageEn?: string }[] } };
const texts = (body: Body) => [body.error?.message ?? "", ...(body.error?.issues ?? []).map((i) => i.messageEn ?? i.message)];

describe("errors shown to an English page", { timeout: 60_000 }, () => {
  it("a scheme, a connection or a run that does not exist", async () => {
    const id = randomUUID();
    const { GET: scheme } = await import("@/app/api/schemes/[id]/route");
    const { GET: connection } = await import("@/app/api/connections/[id]/route");
    const { GET: run } = await import("@/app/api/runs/[id]/route");
    for (const [route, path] of [[scheme, "schemes"], [connection, "connections"], [run, "runs"]] as const) {
      const res = await bed.call(route, `/api/${path}/${id}`, { headers: en, params: { id } });
      expect(res.status).toBe(404);
      expect(texts(res.body as Body).filter((t) => CJK.test(t)), `/api/${path}/:id`).toEqual([]);
    }
  });

  it("adding a user whose email is taken, or malformed", async () => {
    const { POST } = await import("@/app/api/users/route");
    const user = { email: `taken-${Date.now()}@route.test`, name: "taken", password: "a-long-password-1", role: "viewer" };
    expect((await bed.call(POST, "/api/users", { body: user, headers: en })).status).toBe(201);
    const taken = await bed.call(POST, "/api/users", { body: user, headers: en });
    expect(taken.status).toBe(409);
    expect(texts(taken.body as Body).filter((t) => CJK.test(t))).toEqual([]);
    const malformed = await bed.call(POST, "/api/users", { body: { ...user, email: "not-an-email" }, headers: en });
    expect(malformed.status).toBe(400);
    expect(texts(malformed.body as Body).filter((t) => CJK.test(t))).toEqual([]);
  });
});
