// A connection's concurrent calls lowered while runs go on, across worker processes
// (docs/concurrent-calls.md): a call already waiting in Redis asks again with the limit as it is
// then, so it does not go out beside more calls than the new value (found by session 21's audit: it
// asked with the limit it began to wait with, for as long as it waited).
import { config } from "@qiao/db";
import { testRedisPrefix } from "@qiao/db/testing";
import { DEFAULT_MAX_RESPONSE_BYTES, kingdee, type CallObserver, type OutboundPolicy } from "@qiao/connectors";
import { silentLogger } from "@qiao/engine";
import { deleteRedisPrefix } from "@qiao/jobs";
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createSharedSlots } from "./call-slots";

const redisUrl = config().REDIS_URL;
const prefix = testRedisPrefix("slotslive");
const outbound: OutboundPolicy = { allowPrivateTargets: true, allowedHosts: [], maxResponseBytes: DEFAULT_MAX_RESPONSE_BYTES };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const sim = createKingdeeSimulator({});
let url = "";
beforeAll(async () => {
  url = await sim.listen(0);
});
afterAll(async () => {
  await sim.close();
  await deleteRedisPrefix(redisUrl, prefix);
});

/** Every exchange's interval, whichever process made it. */
const spans: { start: number; end: number }[] = [];
const observer: CallObserver = {
  observe(call) {
    const end = performance.now();
    spans.push({ start: end - call.durationMs, end });
  },
};

describe("the setting lowered while a call of another worker waits in Redis", () => {
  test("a call that began waiting at 4 waits, once the setting is 1, until the calls out are answered", async () => {
    const a = createSharedSlots({ redisUrl, prefix, leaseMs: 5_000, logger: silentLogger });
    const b = createSharedSlots({ redisUrl, prefix, leaseMs: 5_000, logger: silentLogger });
    try {
      let settings: Record<string, unknown> = { acctId: "qiao-demo", username: "administrator", concurrency: 4 };
      const credentials = { ...settings, password: "888888" };
      // A run on worker A and a run on worker B, both following the connection's saved settings.
      const runA = kingdee.createTarget!({ baseUrl: url, credentials, outbound, qps: 10_000, observer, slots: a, liveSettings: () => settings });
      const runB = kingdee.createTarget!({ baseUrl: url, credentials, outbound, qps: 10_000, observer, slots: b, liveSettings: () => settings });
      // Logins out of the way.
      await runA.findExisting("BD_Customer", ["warm"]);
      await runB.findExisting("BD_Customer", ["warm"]);
      spans.length = 0;
      sim.setFaults({ latencyMs: 600 });

      // Worker A: 4 calls out (the setting's 4), started 80 ms apart so they end apart.
      const callsA: Promise<unknown>[] = [];
      for (let i = 0; i < 4; i++) {
        callsA.push(runA.findExisting("BD_Customer", [`A${i}`]));
        await sleep(80);
      }
      // Worker B: a lookup waits in Redis for one of the 4 slots (all held by A).
      const callB = runB.findExisting("BD_Customer", ["B0"]);
      await sleep(60);
      // The ERP struggles: the setting is lowered to 1, and both runs follow it at once.
      settings = { ...settings, concurrency: 1 };
      expect([runA.concurrency, runB.concurrency]).toEqual([1, 1]);
      const changedAt = performance.now();
      await Promise.all([...callsA, callB]);

      const after = spans.filter((s) => s.start > changedAt);
      expect(after).toHaveLength(1); // B's lookup
      const started = after[0]!.start;
      const outAtStart = spans.filter((o) => o.start <= started && o.end > started).length;
      // It waited until A's calls were answered (before the fix it went out with 3 of A's still out:
      // 4 at the server with a setting of 1).
      expect(outAtStart).toBeLessThanOrEqual(1);
    } finally {
      sim.setFaults({ latencyMs: 0 });
      await a.close();
      await b.close();
    }
  }, 30_000);

  test("a slot lingering for the process's next call is not reused above a lowered limit", async () => {
    const a = createSharedSlots({ redisUrl, prefix: `${prefix}:linger`, leaseMs: 5_000, logger: silentLogger, lingerMs: 5_000 });
    try {
      let limit = 2;
      const first = await a.acquire("kingdee:k", () => limit);
      const second = await a.acquire("kingdee:k", () => limit);
      // Nobody waiting: the first's slot lingers for the next call of this process.
      await first();
      limit = 1;
      let granted = false;
      const third = a.acquire("kingdee:k", () => limit).then((release) => {
        granted = true;
        return release;
      });
      await sleep(200);
      // The second call is still out and the limit is 1: the third waits (it took the lingering slot before).
      expect(granted).toBe(false);
      await second();
      await (await third)();
      expect(granted).toBe(true);
    } finally {
      await a.close();
    }
  }, 20_000);
});
