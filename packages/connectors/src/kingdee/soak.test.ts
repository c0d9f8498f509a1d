// 1,000 customers through the 金蝶 client alone against a faulty simulator: 10% of calls fail
// (HTTP 500 / response_error: after the write committed, or the connection dropped after commit)
// and the session expires every 100 calls. Nothing may be lost and nothing written twice.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { TargetClient, WriteOutcome } from "../types";
import { kingdee } from "./index";

const TOTAL = 1000;
const BATCH = 10;

const sim = createKingdeeSimulator({ faults: { errorRate: 0.05, errorAfterCommit: true, dropRate: 0.05, sessionExpiryEvery: 100 } });
let baseUrl = "";

beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());

/**
 * What the engine does with a batch (DESIGN.md, Runs → write protocol): write it; records whose
 * outcome is unknown are looked up once the server has had time to commit (this simulator commits
 * before it answers, so at once here), and only the absent ones are written again.
 */
async function writeBatch(target: TargetClient, records: Record<string, unknown>[], depth = 0): Promise<WriteOutcome[]> {
  const outcomes = await target.write({ api: "batchSave", formId: "BD_Customer", records, options: {}, mode: "create" });
  const unknown = outcomes.filter((o) => !o.ok && o.unknown).map((o) => o.index);
  if (unknown.length === 0) return outcomes;
  if (depth >= 5) throw new Error("outcomes still unknown after 5 rounds");
  const existing = await target.findExisting("BD_Customer", unknown.map((i) => String(records[i]!.FNumber)));
  const missing = unknown.filter((i) => !existing.has(String(records[i]!.FNumber)));
  const rest = missing.length > 0 ? await writeBatch(target, missing.map((i) => records[i]!), depth + 1) : [];
  return outcomes.map((o) => {
    if (o.ok || !o.unknown) return o;
    const id = existing.get(String(records[o.index]!.FNumber));
    if (id) return { ok: true as const, index: o.index, targetId: id, targetNumber: String(records[o.index]!.FNumber), response: null };
    return { ...rest[missing.indexOf(o.index)]!, index: o.index };
  });
}

it("writes exactly 1,000 customers with 0 duplicate attempts despite 10% faults and expiring sessions", async () => {
  const target = kingdee.createTarget!({ baseUrl, credentials: { acctId: "qiao-demo", username: "administrator", password: "888888" }, outbound, qps: 1000 });
  const shops = Array.from({ length: TOTAL }, (_, i) => ({
    FNumber: `SHOP${String(i + 1).padStart(5, "0")}`,
    FName: `压测店铺${i + 1}`,
    FCreateOrgId: "100",
    FUseOrgId: "100",
    FDescription: i % 7 === 0 ? "" : `第 ${i + 1} 家`,
  }));

  const outcomes: WriteOutcome[] = [];
  for (let i = 0; i < TOTAL; i += BATCH) outcomes.push(...(await writeBatch(target, shops.slice(i, i + BATCH))));

  expect(outcomes.filter((o) => !o.ok)).toEqual([]);
  const stats = sim.stats();
  expect(stats.customers).toBe(TOTAL);
  expect(stats.duplicateAttempts).toBe(0);
  expect(new Set(outcomes.map((o) => (o.ok ? o.targetId : ""))).size).toBe(TOTAL);
  const ids = new Map(sim.store.list().map((c) => [c.FNumber, String(c.FCUSTID)]));
  expect(outcomes.every((o, i) => o.ok && o.targetNumber === shops[i]!.FNumber && o.targetId === ids.get(o.targetNumber))).toBe(true);
  // The faults really happened: failed writes after commit, dropped connections, re-logins.
  expect(stats.faultsInjected.drop ?? 0).toBeGreaterThan(3);
  expect((stats.faultsInjected.http500AfterCommit ?? 0) + (stats.faultsInjected.responseErrorAfterCommit ?? 0)).toBeGreaterThan(1);
  expect(stats.logins).toBeGreaterThan(1);
}, 30_000);
