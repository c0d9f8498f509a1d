import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { DELIVERIES_DATASET, parseBenchArgs, USAGE, WORKER_NODE_OPTIONS } from "./args";

describe("parseBenchArgs", () => {
  it("defaults to the issue's full benchmark", () => {
    expect(parseBenchArgs([])).toMatchObject({ scheme: "shops", n: 100_000, workers: 1, pageSize: 100, batchSize: 100, scale: [1, 2, 4], skipFloor: false, qps: 1_000_000 });
  });

  it("reads every option", () => {
    const opts = parseBenchArgs(["--n", "10_000", "--workers", "2", "--page-size", "50", "--batch-size", "200", "--scale", "4,1,1", "--skip-build", "--out", "x.json"]);
    expect(opts).toMatchObject({ n: 10_000, workers: 2, pageSize: 50, batchSize: 200, scale: [1, 4], skipBuild: true, out: "x.json" });
  });

  it("--quick is N=10,000 without scale-out unless asked", () => {
    expect(parseBenchArgs(["--quick"])).toMatchObject({ n: 10_000, scale: [] });
    expect(parseBenchArgs(["--quick", "--scale", "2"])).toMatchObject({ n: 10_000, scale: [2] });
    expect(parseBenchArgs(["--quick", "--n", "500"])).toMatchObject({ n: 500 });
  });

  it("runs the workers with the worker's start script's flags unless told otherwise", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../worker/package.json", import.meta.url), "utf8")) as { scripts: { start: string } };
    expect(pkg.scripts.start).toBe(`node ${WORKER_NODE_OPTIONS.join(" ")} dist/main.mjs`);
    // docker-compose's worker runs node directly (so a signal reaches it), with the same flags.
    const compose = readFileSync(new URL("../../../docker-compose.yml", import.meta.url), "utf8");
    const command = ["node", ...WORKER_NODE_OPTIONS, "apps/worker/dist/main.mjs"].map((arg) => JSON.stringify(arg)).join(", ");
    expect(compose).toContain(`command: [${command}]`);
    expect(parseBenchArgs([]).workerNodeOptions).toEqual(WORKER_NODE_OPTIONS);
    expect(parseBenchArgs(["--worker-node-options="]).workerNodeOptions).toEqual([]);
    expect(parseBenchArgs(["--worker-node-options=--max-old-space-size=96"]).workerNodeOptions).toEqual(["--max-old-space-size=96"]);
  });

  it("passes the workers' concurrency and record budget only when asked", () => {
    expect(parseBenchArgs(["--schemes", "200"])).not.toHaveProperty("workerRecordBudget");
    expect(parseBenchArgs(["--schemes", "200", "--worker-concurrency", "50", "--worker-record-budget", "3000"])).toMatchObject({ workerConcurrency: 50, workerRecordBudget: 3000 });
    expect(() => parseBenchArgs(["--worker-record-budget", "0"])).toThrow(/--worker-record-budget/);
  });

  it("--skip-scale wins over --scale", () => {
    expect(parseBenchArgs(["--scale", "2,4", "--skip-scale"]).scale).toEqual([]);
  });

  it("refuses what the platforms refuse and unknown options", () => {
    expect(() => parseBenchArgs(["--page-size", "200"])).toThrow(/--page-size must be a whole number from 1 to 100/);
    expect(() => parseBenchArgs(["--n", "0"])).toThrow(/--n/);
    expect(() => parseBenchArgs(["--n", "1.5"])).toThrow(/--n/);
    expect(() => parseBenchArgs(["--batch-size", "1001"])).toThrow(/--batch-size/);
    expect(() => parseBenchArgs(["--shops", "5"])).toThrow();
  });

  it("--scheme deliveries: N deliveries (20,000, quick 2,000), 50 bills per BatchSave, never scale-out", () => {
    expect(parseBenchArgs(["--scheme", "deliveries"])).toMatchObject({ scheme: "deliveries", n: 20_000, pageSize: 100, batchSize: 50, scale: [] });
    expect(parseBenchArgs(["--scheme", "deliveries", "--quick"])).toMatchObject({ n: 2_000, batchSize: 50, scale: [] });
    expect(parseBenchArgs(["--scheme", "deliveries", "--n", "5000", "--batch-size", "20", "--workers", "2"])).toMatchObject({ n: 5_000, batchSize: 20, workers: 2 });
    expect(parseBenchArgs(["--scheme", "shops", "--quick"])).toMatchObject({ scheme: "shops", n: 10_000, batchSize: 100 });
  });

  it("--scheme deliveries refuses more deliveries than the simulator generates, scale-out, and unknown schemes", () => {
    expect(parseBenchArgs(["--scheme", "deliveries", "--n", String(DELIVERIES_DATASET.maxDeliveries)]).n).toBe(50_000);
    expect(() => parseBenchArgs(["--scheme", "deliveries", "--n", "50001"])).toThrow(/--n must be a whole number from 1 to 50000/);
    expect(() => parseBenchArgs(["--scheme", "deliveries", "--scale", "1,2"])).toThrow(/--scale is for the shops benchmark/);
    expect(parseBenchArgs(["--scheme", "deliveries", "--skip-scale"]).scale).toEqual([]);
    expect(() => parseBenchArgs(["--scheme", "items"])).toThrow(/--scheme must be shops or deliveries/);
  });

  it("the deliveries cap is the simulator's", async () => {
    const { guanyiOptionsFromEnv } = await import("@qiao/simulators");
    expect(guanyiOptionsFromEnv({ GUANYI_SIM_DELIVERIES: String(DELIVERIES_DATASET.maxDeliveries) }).deliveries).toBe(DELIVERIES_DATASET.maxDeliveries);
    expect(() => guanyiOptionsFromEnv({ GUANYI_SIM_DELIVERIES: String(DELIVERIES_DATASET.maxDeliveries + 1) })).toThrow();
  });
});

describe("parseBenchArgs --latency", () => {
  it("none by default: no sweep, today's N and scale-out", () => {
    expect(parseBenchArgs([])).toMatchObject({ latency: "none", concurrency: [], n: 100_000, scale: [1, 2, 4] });
  });

  it("real: N 3,000 (quick 1,000), C = 1, 2, 4, 8, no scale-out unless asked", () => {
    expect(parseBenchArgs(["--latency", "real"])).toMatchObject({ latency: "real", concurrency: [1, 2, 4, 8], n: 3_000, scale: [] });
    expect(parseBenchArgs(["--latency", "real", "--quick"])).toMatchObject({ n: 1_000, scale: [] });
    expect(parseBenchArgs(["--latency", "real", "--n", "500", "--concurrency", "16,2,2", "--scale", "2"])).toMatchObject({ n: 500, concurrency: [2, 16], scale: [2] });
  });

  it("refuses unknown profiles, C outside 1-16, --concurrency without latency, and documents", () => {
    expect(() => parseBenchArgs(["--latency", "slow"])).toThrow(/--latency must be none or real/);
    expect(() => parseBenchArgs(["--latency", "real", "--concurrency", "0"])).toThrow(/--concurrency must list whole numbers from 1 to 16/);
    expect(() => parseBenchArgs(["--latency", "real", "--concurrency", "17"])).toThrow(/--concurrency/);
    expect(() => parseBenchArgs(["--latency", "real", "--concurrency", "1,x"])).toThrow(/--concurrency/);
    expect(() => parseBenchArgs(["--concurrency", "2"])).toThrow(/--concurrency needs --latency real/);
    expect(() => parseBenchArgs(["--scheme", "deliveries", "--latency", "real"])).toThrow(/--latency is for the shops benchmark/);
  });

  it("the profile names are the simulators'; the usage lists both options", async () => {
    const { LATENCY_PROFILES } = await import("@qiao/simulators");
    expect(LATENCY_PROFILES).toEqual(["none", "real"]);
    expect(USAGE).toContain("--latency <profile>");
    expect(USAGE).toContain("--concurrency <list>");
  });
});
