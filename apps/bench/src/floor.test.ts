// The floor's concurrent mode (the latency bench) against in-process simulators on 127.0.0.1: with
// C writes allowed it keeps C BatchSaves in flight while it reads on, which the 金蝶 simulator's
// in-flight counter sees; unset, one at a time. Every shop arrives exactly once either way.
import { seedSchemeDefinition } from "@qiao/core";
import { createGuanyiSimulator, createKingdeeSimulator, GUANYI_DEMO_TENANT, KINGDEE_DEFAULT_ACCOUNT } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runFloor } from "./floor";

const SHOPS = 1200;
const guanyi = createGuanyiSimulator({ shops: SHOPS });
const kingdee = createKingdeeSimulator();
const urls = { guanyi: "", kingdee: "" };
const acct = KINGDEE_DEFAULT_ACCOUNT;

beforeAll(async () => {
  urls.guanyi = await guanyi.listen(0);
  urls.kingdee = await kingdee.listen(0);
});
afterAll(async () => {
  await guanyi.close();
  await kingdee.close();
});
beforeEach(() => {
  kingdee.reset();
  // Long enough that writes would pile up behind each other if the floor awaited each one.
  kingdee.setFaults({ latencyMs: 150 });
});

function floor(concurrency?: number) {
  const definition = seedSchemeDefinition({ sourceConnectionId: "00000000-0000-4000-8000-000000000001", targetConnectionId: "00000000-0000-4000-8000-000000000002" });
  return runFloor({
    definition,
    guanyi: { baseUrl: urls.guanyi, credentials: { ...GUANYI_DEMO_TENANT } },
    kingdee: { baseUrl: urls.kingdee, credentials: { authType: "password", acctId: acct.acctId, username: acct.username, password: acct.password, lcid: 2052, ...(concurrency && { concurrency }) } },
    qps: 1_000_000,
    ...(concurrency !== undefined && { concurrency }),
  });
}

describe("runFloor", () => {
  it("keeps up to C BatchSaves in flight and writes every shop once", async () => {
    const result = await floor(4);
    expect(result).toMatchObject({ records: SHOPS, written: SHOPS, failed: 0 });
    expect(kingdee.stats()).toMatchObject({ customers: SHOPS, duplicateAttempts: 0 });
    expect(kingdee.concurrency()[acct.acctId]?.max).toBe(4);
  });

  it("without a concurrency, one call at a time", async () => {
    const result = await floor();
    expect(result).toMatchObject({ records: SHOPS, written: SHOPS, failed: 0 });
    expect(kingdee.stats()).toMatchObject({ customers: SHOPS, duplicateAttempts: 0 });
    expect(kingdee.concurrency()[acct.acctId]?.max).toBe(1);
  });
});
