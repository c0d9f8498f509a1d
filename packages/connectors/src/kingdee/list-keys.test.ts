// 金蝶 listKeys (reconciliation) against the Kingdee simulator: every record of a form, keys only,
// in keyset pages of 2000 rows, within the filter, and unshaken by records deleted meanwhile.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ConnectorError } from "../errors";
import { simulatorPolicy as outbound } from "../testing";
import type { TargetKey } from "../types";
import { kingdee } from "./index";

const sim = createKingdeeSimulator({});
let baseUrl = "";
const target = () => kingdee.createTarget!({ baseUrl, credentials: { acctId: "qiao-demo", username: "administrator", password: "888888" }, outbound, qps: 1000 });

async function all(pages: AsyncIterable<TargetKey[]>, each?: (page: TargetKey[]) => void): Promise<TargetKey[]> {
  const keys: TargetKey[] = [];
  for await (const page of pages) {
    each?.(page);
    keys.push(...page);
  }
  return keys;
}

const customers = (n: number, prefix = "K") =>
  Array.from({ length: n }, (_, i) => ({ FNumber: `${prefix}${String(i).padStart(5, "0")}`, FName: `客户${i}`, FCreateOrgId: { FNumber: "100" }, FUseOrgId: { FNumber: "100" } }));

beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe("listKeys", () => {
  it("lists 4,500 customers in id order with number and name, 2000 rows per call", async () => {
    sim.forms.customers.preCreate(customers(4500));
    const sizes: number[] = [];
    const keys = await all(target().listKeys!({ formId: "BD_Customer" }), (p) => sizes.push(p.length));
    expect(sizes).toEqual([2000, 2000, 500]);
    expect(keys).toHaveLength(4500);
    expect(new Set(keys.map((k) => k.number)).size).toBe(4500);
    expect(keys[0]).toEqual({ id: String(sim.store.list()[0]!.FCUSTID), number: "K00000", name: "客户0" });
    expect(sim.stats().calls.ExecuteBillQuery).toBe(3);
  });

  it("keeps to the filter, and a record deleted during the read shifts no page", async () => {
    sim.forms.customers.preCreate([...customers(2500, "A"), ...customers(100, "B")]);
    const pages = target().listKeys!({ formId: "BD_Customer", filter: "FNumber like 'A%'" });
    const seen: string[] = [];
    for await (const page of pages) {
      seen.push(...page.map((k) => k.number));
      // Deleting records already read would shift an offset page; the keyset page does not care.
      if (seen.length === 2000) sim.forms.customers.delete(seen.slice(0, 10));
    }
    expect(seen).toHaveLength(2500);
    expect(new Set(seen).size).toBe(2500);
    expect(seen.every((n) => n.startsWith("A"))).toBe(true);
  });

  it("a filter 金蝶 cannot parse is a request error naming the form", async () => {
    const error = await all(target().listKeys!({ formId: "BD_Customer", filter: "FNumber ===" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectorError);
    expect(error).toMatchObject({ kind: "request", message: expect.stringContaining("BD_Customer") });
  });
});
