import type { Config, Db, RunModel } from "@qiao/db";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { describe, expect, test } from "vitest";
import { runFollowUps, runMaintenance, type WorkerDeps } from "./follow-ups";
import { createWorkerMetrics } from "./metrics";

describe("follow-ups and maintenance steps", () => {
  test("a step that throws is logged and does not stop the steps after it", async () => {
    const errors: string[] = [];
    const log = pino({ level: "error" }, { write: (line: string) => void errors.push(line) });
    const deps = { db: {} as Db, queue: {} as Queue, cfg: {} as Config, log, metrics: createWorkerMetrics() } satisfies WorkerDeps;
    const ran: string[] = [];
    const steps = [
      { name: "a", run: async () => void ran.push("a") },
      { name: "broken", run: async () => Promise.reject(new Error("boom")) },
      { name: "c", run: async () => void ran.push("c") },
    ];
    await runFollowUps(deps, { id: "r", schemeId: "s" } as RunModel, steps);
    expect(ran).toEqual(["a", "c"]);
    expect(errors.join("")).toContain('"step":"broken"');
    expect(await runMaintenance(deps, steps)).toEqual({ failed: ["broken"] });
    expect(ran).toEqual(["a", "c", "a", "c"]);
  });
});
