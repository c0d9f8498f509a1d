// write() throws only while nothing of the batch went out (session 32's audit of its own changes;
// failing before its fix). The engine puts a batch that threw back to `pending` for any connector
// error but `unknown_outcome`, trusting TargetClient.write's contract. The 金蝶 upsert broke it: an
// update whose BatchSave answer was lost (5xx after commit) is sent again after `client.pause(…)`,
// and a cancel during that pause threw `cancelled` out of write() although the update was committed.
// writeBatch now answers the records left without an outcome as unknown once a BatchSave went.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { ConnectionConfig, WriteRequest } from "../types";
import { kingdee } from "./index";

const sim = createKingdeeSimulator({});
let baseUrl = "";
const config = (): ConnectionConfig => ({ baseUrl, credentials: { acctId: "qiao-demo", username: "administrator", password: "888888" }, outbound, qps: 1000 });
const shop = (FNumber: string, FName = `店铺${FNumber}`) => ({ FNumber, FName, FCreateOrgId: "100", FUseOrgId: "100", FDescription: "" });
const request = (records: Record<string, unknown>[], signal?: AbortSignal): WriteRequest => ({
  api: "batchSave",
  formId: "BD_Customer",
  records,
  options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false },
  mode: "upsert",
  ...(signal && { signal }),
});

beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

it("upsert: a cancel during the pause before an update is resent does not throw out of write() after its BatchSave was committed", async () => {
  const target = kingdee.createTarget!(config());
  await target.write(request([shop("OLD1")]));
  const before = sim.stats().calls.BatchSave ?? 0;

  // OLD1's update: BatchSave committed, answered 500 (unknown), so saveGroup pauses before resending
  // it. The run is cancelled once the update is in 金蝶.
  const controller = new AbortController();
  const watch = setInterval(() => {
    if (sim.store.list().find((c) => c.FNumber === "OLD1")?.FName === "改名") controller.abort();
  }, 1);
  sim.injectNext({ fault: "http500AfterCommit", service: "BatchSave" });
  let thrown: unknown;
  let outcomes: unknown;
  try {
    outcomes = await target.write(request([shop("OLD1", "改名")], controller.signal));
  } catch (e) {
    thrown = e;
  } finally {
    clearInterval(watch);
  }
  expect((sim.stats().calls.BatchSave ?? 0) - before).toBe(1);
  expect(sim.store.list().find((c) => c.FNumber === "OLD1")?.FName).toBe("改名");
  // The batch reached 金蝶 and was committed: write() must answer per record (unknown / transient),
  // not throw — the engine (sendBatch) now puts a batch that threw back to `pending` as never sent.
  expect(thrown).toBeUndefined();
  expect(outcomes).toBeDefined();
});
