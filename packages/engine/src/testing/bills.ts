// What the 金蝶 simulator should hold after a deliveries scheme ran, and what it holds (read with
// ExecuteBillQuery as a person checking would): shared by the document integration tests.
import { seedItemsSchemeDefinition, seedSchemeDefinition } from "@qiao/core";
import type { Delivery } from "@qiao/simulators";
import type { Db } from "@qiao/db";
import type { EngineContext } from "../context";
import { runToEnd, type Simulated } from "./harness";

/**
 * The deliveries the scheme reads (发货成功 ones: `delivery` 1; 作废 ones are hidden by default) that have kept lines (qty > 0),
 * with those lines. A delivery whose every line has qty 0 makes no bill: its record fails
 * before any call (FEntity is required), counted in `rowless`.
 */
export function expectedBills(s: Simulated): { code: string; lines: { item: string; qty: number; amount: number }[] }[] & { rowless: number } {
  const out: { code: string; lines: { item: string; qty: number; amount: number }[] }[] & { rowless: number } = Object.assign([], { rowless: 0 });
  const store = s.guanyi.state.deliveries;
  for (let i = 0; i < store.size; i++) {
    const d: Delivery = store.get(i);
    if (d.cancel !== 0 || d.delivery_statusInfo.delivery !== 2) continue;
    if (!d.details.some((l) => l.qty > 0)) {
      out.rowless++;
      continue;
    }
    out.push({ code: d.code, lines: d.details.filter((l) => l.qty > 0).map((l) => ({ item: l.item_code, qty: l.qty, amount: Number(l.amount) })) });
  }
  return out;
}

/** ExecuteBillQuery on SAL_OUTSTOCK with entry fields: one row per entry row. */
export function billRows(s: Simulated): { billNo: string; material: string; qty: number; amount: number; status: string }[] {
  const form = s.kingdee.forms.get("SAL_OUTSTOCK")!;
  const rows: unknown[][] = [];
  for (let start = 0; ; start += 2000) {
    const page = form.query({ FormId: "SAL_OUTSTOCK", FieldKeys: "FBillNo,FMaterialID.FNumber,FRealQty,FAllAmount,FDocumentStatus", StartRow: start, Limit: 2000 });
    rows.push(...page);
    if (page.length < 2000) break;
  }
  return rows.map(([billNo, material, qty, amount, status]) => ({ billNo: String(billNo), material: String(material), qty: Number(qty), amount: Number(amount), status: String(status) }));
}

export const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;

/** Requests a run of `schemeId` and runs it to its end: the run as it ended. */
export async function runScheme(db: Db, ctx: EngineContext, s: Simulated, schemeId: string, trigger: "manual" | "dependency" = "manual") {
  const requested = await s.requestRun(schemeId, trigger);
  await runToEnd(ctx, requested.id);
  return db.run.findUniqueOrThrow({ where: { id: requested.id } });
}

/** The shops and items a deliveries scheme looks up: the seed's two schemes, each run to a clean end. */
export async function writeMasterData(db: Db, ctx: EngineContext, s: Simulated): Promise<void> {
  for (const base of [seedSchemeDefinition, seedItemsSchemeDefinition]) {
    const scheme = await s.createScheme(undefined, base);
    const run = await runScheme(db, ctx, s, scheme.id);
    if (run.status !== "succeeded" || run.failed !== 0) throw new Error(`master data: run ${run.id} ended ${run.status}, ${run.failed} failed`);
  }
}

/** Lookups name schemes: each test of them starts with none (the demo names are free again). */
export async function forgetSchemes(db: Db): Promise<void> {
  await db.scheme.deleteMany();
  await db.valueMap.deleteMany();
}
