// The simulator's own BD_Customer field list and base-data catalogs. Codes follow the ones public
// K/3 Cloud examples use (organisation 100, currency PRE001, country China, KHLB001_SYS …); the
// names and the other entries are the simulator's invention.

export interface BaseDataEntry {
  id: number;
  number: string;
  name: string;
}

export interface CustomerField {
  label: string;
  /** Base data: the value on the wire must be an object such as {"FNumber": "100"}. */
  catalog?: readonly BaseDataEntry[];
}

const entries = (...rows: [number, string, string][]): BaseDataEntry[] => rows.map(([id, number, name]) => ({ id, number, name }));

export const ORGANISATIONS = entries([1, "100", "总公司"], [100006, "101", "华东销售公司"], [100007, "102", "华南销售公司"], [100008, "103", "电商事业部"]);
export const CURRENCIES = entries(
  [1, "PRE001", "人民币"],
  [2, "PRE002", "香港元"],
  [3, "PRE003", "欧元"],
  [4, "PRE004", "日本日圆"],
  [5, "PRE005", "新台币元"],
  [6, "PRE006", "英镑"],
  [7, "PRE007", "美元"],
);

export const CUSTOMER_FIELDS: Record<string, CustomerField> = {
  FNumber: { label: "客户编码" },
  FName: { label: "客户名称" },
  FShortName: { label: "简称" },
  FCreateOrgId: { label: "创建组织", catalog: ORGANISATIONS },
  FUseOrgId: { label: "使用组织", catalog: ORGANISATIONS },
  FDescription: { label: "描述" },
  FCOUNTRY: { label: "国家", catalog: entries([46, "China", "中国"], [47, "HK", "中国香港"], [48, "US", "美国"]) },
  FADDRESS: { label: "通讯地址" },
  FZIP: { label: "邮政编码" },
  FTEL: { label: "联系电话" },
  FFAX: { label: "传真" },
  FWEBSITE: { label: "公司网址" },
  FCustTypeId: { label: "客户类别", catalog: entries([100001, "KHLB001_SYS", "普通销售客户"], [100002, "KHLB002_SYS", "寄售客户"], [100003, "KHLB003_SYS", "内部结算客户"]) },
  FGroup: { label: "客户分组", catalog: entries([100101, "KH001", "线上渠道"], [100102, "KH002", "线下门店"]) },
  FTRADINGCURRID: { label: "结算币别", catalog: CURRENCIES },
  FSALDEPTID: { label: "销售部门", catalog: entries([100201, "BM000001", "销售部"], [100202, "BM000014", "电商部"]) },
  FSELLER: { label: "销售员", catalog: entries([100301, "001_GW000022_1", "张敏"], [100302, "001_GW000023_1", "李强"]) },
  FSETTLETYPEID: { label: "结算方式", catalog: entries([1, "JSFS01_SYS", "现金"], [4, "JSFS04_SYS", "电汇"]) },
  FRECCONDITIONID: { label: "收款条件", catalog: entries([100401, "SKTJ01_SYS", "货到收款"], [100402, "SKTJ02_SYS", "月结30天"]) },
  FTaxType: { label: "税分类", catalog: entries([100501, "SFL01_SYS", "小规模纳税人"], [100502, "SFL02_SYS", "一般纳税人"]) },
  FTaxRate: { label: "默认税率", catalog: entries([100601, "SL01_SYS", "3%增值税"], [100602, "SL02_SYS", "13%增值税"], [100603, "SL03_SYS", "6%增值税"]) },
  FInvoiceType: { label: "发票类型" },
  FINVOICETITLE: { label: "发票抬头" },
  FTAXREGISTERCODE: { label: "纳税登记号" },
  FINVOICEBANKNAME: { label: "开户银行" },
  FINVOICEBANKACCOUNT: { label: "银行账号" },
  FINVOICETEL: { label: "开票联系电话" },
  FINVOICEADDRESS: { label: "开票通讯地址" },
  FPriority: { label: "客户优先级" },
  FIsTrade: { label: "是否交易客户" },
  FISCREDITCHECK: { label: "启用信用管理" },
};

/** Fields the server keeps itself; a query may read them, a save cannot set them. */
export const SYSTEM_FIELDS: Record<string, string> = {
  FCUSTID: "客户内码",
  FDocumentStatus: "数据状态",
  FForbidStatus: "禁用状态",
  FCreateDate: "创建日期",
  FModifyDate: "修改日期",
};

export function labelOf(key: string): string {
  return CUSTOMER_FIELDS[key]?.label ?? SYSTEM_FIELDS[key] ?? key;
}

// ---- Base data the document forms (BD_MATERIAL, SAL_OUTSTOCK) refer to ----------------------
// Codes follow shared/protocols/kingdee-documents.md (unit Pcs, XSCKD01_SYS, PRE001, KCZT01_SYS,
// HLTX01_SYS, CHLB01_SYS, WLDSFL01_SYS, SL31_SYS); names and the other entries are ours. The stock
// codes CK001… are deliberately not Guanyi's warehouse codes (WH01…): a value map translates them.

/** What a base-data reference points to; `customer` and `material` are the forms' own records. */
export type BaseDataKind =
  | "org"
  | "unit"
  | "stock"
  | "billType"
  | "currency"
  | "stockStatus"
  | "exchangeType"
  | "dept"
  | "staff"
  | "materialGroup"
  | "category"
  | "taxRate"
  | "taxType"
  | "customer"
  | "material";

const SEEDED: Record<Exclude<BaseDataKind, "customer" | "material">, readonly BaseDataEntry[]> = {
  org: ORGANISATIONS,
  unit: entries([10101, "Pcs", "件"], [10102, "Box", "箱"], [10103, "Set", "套"], [10104, "Bottle", "瓶"], [10105, "kg", "千克"], [10106, "g", "克"]),
  stock: entries([100701, "CK001", "主仓"], [100702, "CK002", "华东仓"], [100703, "CK003", "华南仓"]),
  billType: entries(
    [100801, "XSCKD01_SYS", "标准销售出库单"],
    [100802, "XSCKD02_SYS", "寄售出库单"],
    [100803, "XSCKD03_SYS", "零售出库单"],
    [100804, "XSCKD04_SYS", "分销购销出库单"],
    [100805, "XSCKD05_SYS", "VMI出库单"],
    [100806, "XSCKD06_SYS", "现销出库单"],
    [100807, "XSCKD07_SYS", "B2C销售出库单"],
  ),
  currency: CURRENCIES,
  stockStatus: entries([10000, "KCZT01_SYS", "可用"], [10001, "KCZT02_SYS", "待检"], [10002, "KCZT03_SYS", "冻结"]),
  exchangeType: entries([1, "HLTX01_SYS", "固定汇率"], [2, "HLTX02_SYS", "浮动汇率"]),
  dept: entries([100201, "BM000001", "销售部"], [100202, "BM000014", "电商部"], [100203, "BM000020", "仓储部"]),
  staff: entries([100301, "001_GW000022_1", "张敏"], [100302, "001_GW000023_1", "李强"]),
  materialGroup: entries([100901, "01", "成品"], [100902, "02", "原料"], [100903, "03", "包材"]),
  category: entries([241, "CHLB01_SYS", "原材料"], [242, "CHLB02_SYS", "辅助材料"], [245, "CHLB05_SYS", "产成品"], [246, "CHLB06_SYS", "服务"]),
  taxRate: entries([231, "SL31_SYS", "13%增值税"], [232, "SL32_SYS", "9%增值税"], [233, "SL33_SYS", "6%增值税"], [234, "SL34_SYS", "0%增值税"]),
  taxType: entries([1001, "WLDSFL01_SYS", "货物"], [1002, "WLDSFL02_SYS", "劳务"]),
};

export type CatalogKind = keyof typeof SEEDED;

/** Enum values (plain strings on the wire, not base data): 货主类型 / 保管者类型 and 物料属性. */
export const ENUMS = {
  ownerType: { BD_OwnerOrg: "业务组织", BD_Supplier: "供应商", BD_Customer: "客户" },
  keeperType: { BD_KeeperOrg: "业务组织", BD_Supplier: "供应商", BD_Customer: "客户" },
  erpCls: { "1": "外购", "2": "自制", "3": "委外", "4": "特征", "5": "虚拟", "6": "服务", "7": "一次性", "9": "配置", "10": "资产", "11": "费用" },
} as const satisfies Record<string, Record<string, string>>;
export const ADDABLE_KINDS = ["stock", "unit"] as const satisfies readonly CatalogKind[];

/** Looks up the forms' own records (customers, materials) by number. */
export type RecordLookup = (number: string) => BaseDataEntry | undefined;

/**
 * One simulator's base data: the seeded catalogs plus what the admin API added, and the
 * customers / materials saved through the forms. Lookups are global, not per 使用组织 (the doc's
 * "our choice"), and compare codes exactly.
 */
export class BaseData {
  private catalogs = new Map<CatalogKind, BaseDataEntry[]>();
  private nextId = 900001;

  constructor(private readonly records: Record<"customer" | "material", RecordLookup>) {
    this.reset();
  }

  reset(): void {
    this.catalogs = new Map(Object.entries(SEEDED).map(([kind, list]) => [kind as CatalogKind, list.map((e) => ({ ...e }))]));
    this.nextId = 900001;
  }

  find(kind: BaseDataKind, number: string): BaseDataEntry | undefined {
    if (kind === "customer" || kind === "material") return this.records[kind](number);
    return this.catalogs.get(kind)?.find((e) => e.number === number);
  }

  list(kind: CatalogKind): BaseDataEntry[] {
    return [...(this.catalogs.get(kind) ?? [])];
  }

  /** Admin: removes the entries with these numbers; returns how many existed. */
  remove(kind: CatalogKind, numbers: string[]): number {
    const list = this.catalogs.get(kind)!;
    const gone = new Set(numbers);
    const kept = list.filter((e) => !gone.has(e.number));
    this.catalogs.set(kind, kept);
    return list.length - kept.length;
  }

  /** Admin: adds entries, or renames existing ones of the same number. */
  add(kind: CatalogKind, items: { number: string; name: string }[]): BaseDataEntry[] {
    const list = this.catalogs.get(kind)!;
    return items.map(({ number, name }) => {
      const existing = list.find((e) => e.number === number);
      if (existing) {
        existing.name = name;
        return existing;
      }
      const entry = { id: this.nextId++, number, name };
      list.push(entry);
      return entry;
    });
  }
}
