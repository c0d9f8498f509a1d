// The 管易云 simulator refuses a method guanyi.md / guanyi-documents.md do not name, also one named
// like an Object.prototype member (session 32's audit; failing before its fix): `authenticate`
// checked `method in LIST_KEYS`, and `in` also finds inherited members such as toString.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGuanyiSimulator, GUANYI_DEMO_TENANT, GUANYI_ERROR_CODES } from "./index";
import { md5Sign } from "./signature";

const sim = createGuanyiSimulator({ shops: 3, items: 3, deliveries: 3, seed: 1, moneyAsString: false });
let url = "";
beforeAll(async () => {
  url = await sim.listen(0, "127.0.0.1");
});
afterAll(() => sim.close());

async function call(method: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const fields = { appkey: GUANYI_DEMO_TENANT.appkey, sessionkey: GUANYI_DEMO_TENANT.sessionkey, method, page_no: 1, page_size: 10 };
  const body = JSON.stringify({ ...fields, sign: md5Sign(GUANYI_DEMO_TENANT.secret, JSON.stringify(fields)) });
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { unparsable: text.slice(0, 80) };
  }
  return { status: res.status, json };
}

describe("guanyi simulator audit — undocumented method names", () => {
  it.each(["toString", "constructor", "hasOwnProperty", "__proto__"])("refuses method %s with invalid-method", async (method) => {
    const { status, json } = await call(method);
    expect(status).toBe(200);
    expect(json).toMatchObject({ success: false, errorCode: GUANYI_ERROR_CODES.badMethod });
  });
});
