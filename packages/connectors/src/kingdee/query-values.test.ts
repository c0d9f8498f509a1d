// TargetClient.queryValues (the template filter erp_lookup) against the Kingdee simulator's base-data
// forms: 仓库 by name → number, absent keys, quotes, chunks of keys, paging, identifiers refused
// before anything is sent, and 金蝶's own errors.
import { createKingdeeSimulator } from "@qiao/simulators";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { rejection, simulatorPolicy as outbound } from "../testing";
import type { QueryValuesRequest } from "../types";
import { KingdeeClient } from "./client";
import { kingdee } from "./index";
import { KEYS_PER_QUERY } from "./query-values";

const sim = createKingdeeSimulator({});
let baseUrl = "";
const credentials = { acctId: "qiao-demo", username: "administrator", password: "888888" };
const target = () => kingdee.createTarget!({ baseUrl, credentials, outbound, qps: 1000 });
const stocks = (keys: string[], extra: Partial<QueryValuesRequest> = {}) => target().queryValues!({ formId: "BD_STOCK", keyField: "FName", returnField: "FNumber", keys, ...extra });
const addStocks = (entries: { number: string; name: string }[]) => sim.forms.baseData.add("stock", entries);

beforeAll(async () => {
  baseUrl = await sim.listen(0);
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());
afterEach(() => vi.restoreAllMocks());

describe("queryValues", () => {
  it("finds 仓库 by name (主仓 → CK001) in one ExecuteBillQuery; keys 金蝶 lacks are absent", async () => {
    const found = await stocks(["主仓", "华南仓", "不存在的仓", "主仓", ""]);
    expect(found).toEqual(
      new Map([
        ["主仓", "CK001"],
        ["华南仓", "CK003"],
      ]),
    );
    expect(sim.stats().queries).toEqual({ BD_STOCK: 1 });
  });

  it("returns numbers as strings, any field pair, and other forms (BD_UNIT)", async () => {
    expect(await stocks(["CK002"], { keyField: "FNumber", returnField: "FStockId" })).toEqual(new Map([["CK002", "100702"]]));
    expect(await stocks(["件", "千克"], { formId: "BD_UNIT" })).toEqual(
      new Map([
        ["件", "Pcs"],
        ["千克", "kg"],
      ]),
    );
  });

  it("leaves out keys whose value is empty or null", async () => {
    const material = sim.forms.get("BD_MATERIAL")!;
    const saved = material.save(
      [
        { FCreateOrgId: { FNumber: "100" }, FNumber: "M1", FName: "有规格", FSpecification: "240g" },
        { FCreateOrgId: { FNumber: "100" }, FNumber: "M2", FName: "无规格" },
        { FCreateOrgId: { FNumber: "100" }, FNumber: "M3", FName: "空规格", FSpecification: "" },
      ],
      { needUpdateFields: [], verifyBaseData: false, validate: true, autoSubmitAndAudit: true, deleteEntry: true, interactionFlags: [] },
    );
    expect(saved.errors).toEqual([]);
    expect(await stocks(["M1", "M2", "M3"], { formId: "BD_MATERIAL", keyField: "FNumber", returnField: "FSpecification" })).toEqual(new Map([["M1", "240g"]]));
  });

  it("sends quotes inside keys doubled, and finds them", async () => {
    addStocks([
      { number: "CK101", name: "O'Brien's 仓" },
      { number: "CK102", name: "') or ('1'='1" },
    ]);
    expect(await stocks(["O'Brien's 仓", "') or ('1'='1", "主仓' or '1'='1"])).toEqual(
      new Map([
        ["O'Brien's 仓", "CK101"],
        ["') or ('1'='1", "CK102"],
      ]),
    );
  });

  it("asks at most KEYS_PER_QUERY keys per call", async () => {
    const names = Array.from({ length: 2 * KEYS_PER_QUERY + 7 }, (_, i) => `仓${i}`);
    addStocks(names.map((name, i) => ({ number: `N${i}`, name })));
    const found = await stocks([...names, "主仓"]);
    expect(found.size).toBe(names.length + 1);
    expect(found.get(`仓${2 * KEYS_PER_QUERY + 6}`)).toBe(`N${2 * KEYS_PER_QUERY + 6}`);
    expect(found.get("主仓")).toBe("CK001");
    expect(sim.stats().queries).toEqual({ BD_STOCK: 3 });
  });

  it("pages past 2000 rows (StartRow / Limit) until a short page; the first row per key wins", async () => {
    // 2100 stocks of one name, then one more: its row is on the second page.
    addStocks(Array.from({ length: 2100 }, (_, i) => ({ number: `S${String(i).padStart(4, "0")}`, name: "同名仓" })));
    addStocks([{ number: "LAST", name: "末仓" }]);
    expect(await stocks(["同名仓", "末仓"])).toEqual(
      new Map([
        ["同名仓", "S0000"],
        ["末仓", "LAST"],
      ]),
    );
    expect(sim.stats().queries).toEqual({ BD_STOCK: 2 });
  });

  it("refuses a bad form id or field key before sending anything, naming it", async () => {
    const call = vi.spyOn(KingdeeClient.prototype, "call");
    for (const [bad, named] of [
      [{ formId: "BD_STOCK'--" }, "表单标识“BD_STOCK'--”"],
      [{ formId: "" }, "表单标识“”"],
      [{ keyField: "FName) or (1=1" }, "键字段“FName) or (1=1”"],
      [{ keyField: "FName." }, "键字段“FName.”"],
      [{ returnField: "FNumber,FStockId" }, "返回字段“FNumber,FStockId”"],
      [{ returnField: "仓库编码" }, "返回字段“仓库编码”"],
    ] as const) {
      const error = await rejection(stocks(["主仓"], bad));
      expect(error.kind).toBe("request");
      expect(error.message).toContain(named);
      expect(error.message).toContain("未发送查询");
    }
    expect(call).not.toHaveBeenCalled();
    expect(sim.stats().calls).toEqual({});
    // A sub-entity field is an identifier too.
    expect(await stocks(["100"], { formId: "BD_MATERIAL", keyField: "FUseOrgId.FNumber", returnField: "FNumber" })).toEqual(new Map());
    expect(call).toHaveBeenCalledTimes(1);
  });

  it("turns 金蝶's refusal (unknown field, MsgCode 9; unknown form) into a request error with its message", async () => {
    const unknownField = await rejection(stocks(["主仓"], { keyField: "FNoSuch" }));
    expect(unknownField).toMatchObject({ kind: "request", platformCode: "9", platformMessage: "元数据中标识为FNoSuch的字段不存在" });
    expect(unknownField.message).toBe("金蝶查询 BD_STOCK 失败：元数据中标识为FNoSuch的字段不存在");
    const unknownForm = await rejection(stocks(["主仓"], { formId: "BD_NOSUCH" }));
    expect(unknownForm).toMatchObject({ kind: "request", platformCode: "5" });
    expect(unknownForm.message).toContain("BD_NOSUCH");
  });

  it("asks nothing for no keys", async () => {
    expect(await stocks([])).toEqual(new Map());
    expect(sim.stats().calls).toEqual({});
  });
});
