// The `real` latency profile of the 管易云 simulator over HTTP: 100 ms ± 20 % a call, set through
// /__admin/faults or GUANYI_SIM_LATENCY_PROFILE, each request on its own timer.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createGuanyiSimulator, GUANYI_DEMO_TENANT, GUANYI_NO_FAULTS, guanyiOptionsFromEnv } from "./index";
import { md5Sign } from "./signature";

const sim = createGuanyiSimulator({ shops: 500, seed: 3 });
let url = "";

beforeAll(async () => {
  url = await sim.listen(0, "127.0.0.1");
});
afterAll(() => sim.close());
beforeEach(() => {
  sim.reset();
  sim.setFaults(GUANYI_NO_FAULTS);
});

async function page(pageNo: number): Promise<number> {
  const fields = { appkey: GUANYI_DEMO_TENANT.appkey, sessionkey: GUANYI_DEMO_TENANT.sessionkey, method: "gy.erp.shop.get", page_no: pageNo, page_size: 100 };
  const res = await fetch(url, { method: "POST", body: JSON.stringify({ ...fields, sign: md5Sign(GUANYI_DEMO_TENANT.secret, JSON.stringify(fields)) }) });
  const json = (await res.json()) as { shops: unknown[] };
  return json.shops.length;
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await work();
  return performance.now() - t;
}

describe("guanyi simulator — latency profile", () => {
  it("real: a page takes 100 ms ± 20 %, and five pages at once about as long as one", async () => {
    const admin = url.replace("/rest/erp_open", "/__admin");
    const set = await fetch(`${admin}/faults`, { method: "PUT", body: JSON.stringify({ latencyProfile: "real" }) });
    expect(await set.json()).toMatchObject({ latencyProfile: "real", latencyMs: 0 });
    expect(await timed(() => page(1))).toBeGreaterThanOrEqual(80);
    const five = await timed(() => Promise.all([1, 2, 3, 4, 5].map(page)));
    expect(five).toBeGreaterThanOrEqual(80);
    // One after another: at least 5 × 80 ms.
    expect(five).toBeLessThan(400);
  });

  it("none (the default) adds nothing; the env names a bad value", async () => {
    expect(sim.state.faults.latencyProfile).toBe("none");
    expect(await timed(() => page(1))).toBeLessThan(80);
    expect(guanyiOptionsFromEnv({ GUANYI_SIM_LATENCY_PROFILE: "real" }).faults).toEqual({ latencyProfile: "real" });
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_LATENCY_PROFILE: "slow" })).toThrow(/GUANYI_SIM_LATENCY_PROFILE/);
  });
});
