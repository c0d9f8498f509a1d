// The `real` latency profile over HTTP: set through /__admin/faults, applied per request on its own
// timer (concurrent calls overlap, as on a real server), and the calls in flight per data center
// counted for the cap tests of issue #16. Timing bounds leave room for a busy machine: the lower
// ones are what the profile guarantees, the upper ones what a serial server could not meet.
import { describe, expect, it } from "vitest";
import { kingdeeOptionsFromEnv } from "./index";
import { useSimulator } from "./test-client";

const { sim, client } = useSimulator();
const customers = (from: number, n: number) =>
  Array.from({ length: n }, (_, i) => ({ FNumber: `LAT${from + i}`, FName: `客户${from + i}`, FCreateOrgId: { FNumber: "100" } }));

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await work();
  return { ms: performance.now() - t, value };
}

describe("kingdee simulator — latency profile", () => {
  it("real: a BatchSave of 100 records takes 1 s ± 20 %, a login 500 ms, a query 150 ms", async () => {
    expect(await client.admin("PUT", "faults", { latencyProfile: "real" })).toMatchObject({ faults: { latencyProfile: "real", latencyMs: 0 } });
    const save = await timed(() => client.batchSave("BD_Customer", customers(0, 100)));
    expect(save.value.Result.ResponseStatus.IsSuccess).toBe(true);
    expect(save.ms).toBeGreaterThanOrEqual(800);
    expect(save.ms).toBeLessThan(1800);
    const login = await timed(() => client.login());
    expect(login.ms).toBeGreaterThanOrEqual(400);
    expect(login.ms).toBeLessThan(1300);
    const query = await timed(() => client.query({ FormId: "BD_Customer", FieldKeys: "FNumber", Limit: 1 }));
    expect(query.ms).toBeGreaterThanOrEqual(120);
    expect(query.ms).toBeLessThan(900);
  });

  it("concurrent calls overlap: four BatchSaves of 100 take about one second, not four; the data center saw 4 at once", async () => {
    sim.setFaults({ latencyProfile: "real" });
    await client.admin("POST", "concurrency/reset");
    const all = await timed(() => Promise.all([0, 1, 2, 3].map((k) => client.batchSave("BD_Customer", customers(k * 100, 100)))));
    expect(all.value.every((e) => e.Result.ResponseStatus.IsSuccess)).toBe(true);
    expect(all.ms).toBeGreaterThanOrEqual(800);
    // Served one after another, they would take at least 4 × 800 ms.
    expect(all.ms).toBeLessThan(2500);
    expect(sim.stats().customers).toBe(400);
    expect(await client.admin("GET", "concurrency")).toEqual({ dataCenters: { "qiao-demo": { current: 0, max: 4 } } });
  });

  it("the flat latencyMs adds on top of the profile", async () => {
    sim.setFaults({ latencyProfile: "real", latencyMs: 400 });
    const { ms } = await timed(() => client.view("BD_Customer", { Number: "NONE" }));
    // View: 200 ms ± 20 %, plus 400.
    expect(ms).toBeGreaterThanOrEqual(560);
  });

  it("none (the default) adds nothing; reset brings back the configured profile", async () => {
    expect(sim.stats().faults.latencyProfile).toBe("none");
    sim.setFaults({ latencyProfile: "real" });
    sim.reset();
    expect(sim.stats().faults.latencyProfile).toBe("none");
    await client.login();
    const { ms } = await timed(() => client.batchSave("BD_Customer", customers(0, 100)));
    expect(ms).toBeLessThan(300);
    expect(await client.admin("PUT", "faults", { latencyProfile: "slow" })).toMatchObject({ error: "参数无效" });
  });

  it("reads KINGDEE_SIM_LATENCY_PROFILE and names a bad value", () => {
    expect(kingdeeOptionsFromEnv({ KINGDEE_SIM_LATENCY_PROFILE: "real", KINGDEE_SIM_LATENCY_MS: "5" }).faults).toEqual({ latencyProfile: "real", latencyMs: 5 });
    expect(kingdeeOptionsFromEnv({}).faults).toEqual({});
    expect(() => kingdeeOptionsFromEnv({ KINGDEE_SIM_LATENCY_PROFILE: "fast" })).toThrow(/KINGDEE_SIM_LATENCY_PROFILE/);
  });
});

describe("kingdee simulator — calls in flight per data center", () => {
  it("counts a call from its arrival to its answer, logins and calls of an ended session included; reset keeps what is in flight", async () => {
    // A slow commit holds each BatchSave for 300 ms, without a latency profile.
    sim.setFaults({ slowCommitEvery: 1, slowCommitMs: 300 });
    await client.admin("POST", "concurrency/reset");
    expect(await client.admin("GET", "concurrency")).toEqual({ dataCenters: {} });
    const pending = [client.batchSave("BD_Customer", customers(0, 1)), client.batchSave("BD_Customer", customers(1, 1))];
    await new Promise((r) => setTimeout(r, 100));
    expect(sim.concurrency()).toEqual({ "qiao-demo": { current: 2, max: 2 } });
    sim.reset(); // the calls still being answered keep counting down
    expect(sim.concurrency()).toEqual({ "qiao-demo": { current: 2, max: 2 } });
    await Promise.all(pending);
    expect(sim.stats().concurrency).toEqual({ "qiao-demo": { current: 0, max: 2 } });

    sim.resetConcurrency();
    await client.login();
    sim.expireSessions();
    const lost = await client.view("BD_Customer", { Number: "X" });
    expect(lost.Result.ResponseStatus.MsgCode).toBe(1);
    expect(sim.concurrency()).toEqual({ "qiao-demo": { current: 0, max: 1 } });
  });
});
