// Base data per 使用组织 (./lookup.ts): a customer number allocated to two organisations is two
// records. An upsert updates the copy of the record's own organisation (or creates it there), and
// the engine's lookup of an unknown outcome answers that copy only. Before, the first row won: an
// upsert for org 101 updated org 100's customer, and an unknown create in 101 was taken as written
// from 100's copy.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { simulatorPolicy as outbound } from "../testing";
import type { WriteRequest } from "../types";
import { kingdee } from "./index";

const sim = createKingdeeSimulator({});
let baseUrl = "";
const target = () => kingdee.createTarget!({ baseUrl, credentials: { acctId: "qiao-demo", username: "administrator", password: "888888" }, outbound, qps: 1000 });

const shop = (FNumber: string, org: string | undefined, FName = `店铺${FNumber}@${org}`) => ({
  FNumber,
  FName,
  FCreateOrgId: org ?? "100",
  ...(org !== undefined && { FUseOrgId: org }),
});
const request = (records: Record<string, unknown>[], mode: WriteRequest["mode"]): WriteRequest => ({
  api: "batchSave",
  formId: "BD_Customer",
  records,
  options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false },
  mode,
});
/** Each organisation's copy of a number: org → [FCUSTID, FName]. */
const copies = (number: string) =>
  Object.fromEntries(
    sim.store
      .list()
      .filter((c) => c.FNumber === number)
      .map((c) => [(c.FUseOrgId as { FNumber: string }).FNumber, [String(c.FCUSTID), c.FName]]),
  );

beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

describe("base data per 使用组织", () => {
  it("upserts org 101's record as a new customer in 101 when only org 100 has the number, leaving 100's untouched", async () => {
    await target().write(request([shop("S1", "100", "总公司的")], "create"));
    const [outcome] = await target().write(request([shop("S1", "101", "华东的")], "upsert"));
    expect(outcome).toMatchObject({ ok: true, targetNumber: "S1" });
    const byOrg = copies("S1");
    expect(byOrg).toEqual({ "100": [expect.any(String), "总公司的"], "101": [outcome?.ok ? outcome.targetId : "", "华东的"] });
    expect(byOrg["101"]![0]).not.toBe(byOrg["100"]![0]);
  });

  it("updates the copy of the record's organisation when both have the number, whatever the rows' order", async () => {
    // 101's copy is created first, so it is the first row ExecuteBillQuery answers.
    await target().write(request([shop("S2", "101", "华东旧名"), shop("S3", "101", "华东")], "create"));
    await target().write(request([shop("S2", "100", "总公司旧名")], "create"));
    const before = copies("S2");
    const [outcome] = await target().write(request([shop("S2", "100", "总公司新名")], "upsert"));
    expect(outcome).toMatchObject({ ok: true, targetId: before["100"]![0] });
    expect(copies("S2")).toEqual({ "100": [before["100"]![0], "总公司新名"], "101": [before["101"]![0], "华东旧名"] });
  });

  it("takes a record without 使用组织 as its 创建组织's", async () => {
    await target().write(request([shop("S4", "101", "华东")], "create"));
    await target().write(request([shop("S4", "100", "总公司")], "create"));
    const before = copies("S4");
    const [outcome] = await target().write(request([{ FNumber: "S4", FName: "只写了创建组织", FCreateOrgId: "100" }], "upsert"));
    expect(outcome).toMatchObject({ ok: true, targetId: before["100"]![0] });
    expect(copies("S4")["101"]).toEqual(before["101"]);
  });

  it("answers the engine's lookup with the copy of the organisation the record was sent for", async () => {
    await target().write(request([shop("S5", "100")], "create"));
    const id100 = copies("S5")["100"]![0];
    const sent = (org: string) => new Map([["S5", shop("S5", org)]]);
    // An unknown create in 101: the number exists, but not in 101, so nothing was written there.
    expect(await target().findExisting("BD_Customer", ["S5"], undefined, sent("101"))).toEqual(new Map());
    expect(await target().findRecords!("BD_Customer", ["S5"], undefined, sent("101"))).toEqual(new Map());
    expect(await target().findExisting("BD_Customer", ["S5"], undefined, sent("100"))).toEqual(new Map([["S5", id100]]));
    // Without the record sent: any copy, as before.
    expect(await target().findExisting("BD_Customer", ["S5"])).toEqual(new Map([["S5", id100]]));
  });
});
