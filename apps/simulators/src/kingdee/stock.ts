// Inventory per (stock org, stock, material), moved by SAL_OUTSTOCK's Audit (Save does not move
// stock — kingdee-documents.md). A pair never set holds the opening stock (KINGDEE_SIM_OPENING_STOCK,
// default 0). A shortfall fails the audit with the [K14] text unless InterationFlags carries
// STK_InvCheckResult; the detail names bill, 1-based row, the negative balance, material and stock.
import type { BaseData } from "./base-data";
import type { AuditEffect } from "./documents";
import { refNumber } from "./form-spec";

export const NEGATIVE_STOCK_FLAG = "STK_InvCheckResult";
export const STOCK_SHORTFALL = "更新库存出现异常情况，更新库存不成功！";

export interface StockLine {
  org: string;
  stock: string;
  material: string;
  qty: number;
}

type Row = Record<string, unknown>;
const keyOf = (org: string, stock: string, material: string) => JSON.stringify([org, stock, material]);

/** InterationFlags: Kingdee separates flags with ";" (commas and arrays accepted too). */
export function interactionFlags(value: unknown): string[] {
  const parts = Array.isArray(value) ? value.map(String) : typeof value === "string" ? value.split(/[;,\s]+/) : [];
  return parts.map((p) => p.trim()).filter(Boolean);
}

export class StockLedger {
  private readonly lines = new Map<string, StockLine>();

  constructor(public openingStock: number) {}

  get(org: string, stock: string, material: string): number {
    return this.lines.get(keyOf(org, stock, material))?.qty ?? this.openingStock;
  }

  set(org: string, stock: string, material: string, qty: number): StockLine {
    const line = { org, stock, material, qty };
    this.lines.set(keyOf(org, stock, material), line);
    return line;
  }

  /** Every pair that was set or moved. */
  list(): StockLine[] {
    return [...this.lines.values()].map((l) => ({ ...l }));
  }

  clear(): void {
    this.lines.clear();
  }

  /** SAL_OUTSTOCK's audit: subtract FRealQty per row from (FStockOrgId, FStockID, FMaterialID). */
  outbound(billName: string, baseData: BaseData): AuditEffect {
    return (record, flags) => {
      const allowNegative = flags.includes(NEGATIVE_STOCK_FLAG);
      const org = refNumber(record.FStockOrgId) ?? "";
      const balances = new Map<string, StockLine>();
      const errors: string[] = [];
      const rows = Array.isArray(record.FEntity) ? (record.FEntity as Row[]) : [];
      rows.forEach((row, i) => {
        const stock = refNumber(row.FStockID) ?? "";
        const material = refNumber(row.FMaterialID) ?? "";
        const key = keyOf(org, stock, material);
        const before = balances.get(key)?.qty ?? this.get(org, stock, material);
        const qty = before - (typeof row.FRealQty === "number" ? row.FRealQty : 0);
        balances.set(key, { org, stock, material, qty });
        if (qty < 0 && !allowNegative) {
          const stockName = baseData.find("stock", stock)?.name ?? stock;
          errors.push(`${STOCK_SHORTFALL}出现负库存，库存更新不成功。${billName}=${String(record.FBillNo)},序号=${i + 1}，负库存=${qty},物料=${material},仓库=${stockName}`);
        }
      });
      if (errors.length > 0) return { errors };
      return { apply: () => balances.forEach((line, key) => this.lines.set(key, line)) };
    };
  }
}
