import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { DELIVERIES_DATASET, parseBenchArgs, WORKER_NODE_OPTIONS } from "./args";

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

  it("runs the workers with the worker's start script's heap flags unless told otherwise", () => {
    const pkg = JSON.parse(readFileSync(new URL("../../worker/package.json", import.meta.url), "utf8")) as { scripts: { start: string } };
    expect(pkg.scripts.start).toBe(`node ${WORKER_NODE_OPTIONS.join(" ")} dist/main.mjs`);
    expect(parseBenchArgs([]).workerNodeOptions).toEqual(WORKER_NODE_OPTIONS);
    expect(parseBenchArgs(["--worker-node-options="]).workerNodeOptions).toEqual([]);
    expect(parseBenchArgs(["--worker-node-options=--max-old-space-size=96"]).workerNodeOptions).toEqual(["--max-old-space-size=96"]);
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
