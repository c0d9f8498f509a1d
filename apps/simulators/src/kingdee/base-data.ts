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

const ORGANISATIONS = entries([1, "100", "总公司"], [100006, "101", "华东销售公司"], [100007, "102", "华南销售公司"], [100008, "103", "电商事业部"]);
const CURRENCIES = entries(
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
