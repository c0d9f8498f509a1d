// The simulator's 商品 (gy.erp.items.get): N items generated from a seed plus whatever the admin
// endpoint adds or modifies. Shapes follow shared/protocols/guanyi-documents.md (the 2025 sample):
// prices as JSON numbers (the 2025 sample sends item prices as numbers, unlike delivery money),
// ids as numbers, `item_unit_*` mostly null, `note` "" and `pic_url` missing on most items, so all
// three kinds of absent value appear. About one item in seven has 2–4 规格 (skus with their own
// codes); every other item is single-spec: one sku whose code is the item code, as the doc says.
// Items are few (default 50), so they are kept as objects, sorted lazily by (modify_date, code):
// the order is unknown, so the simulator sorts by the filtered time field, then code
// (guanyi-documents.md § Unknown / our choice).
import { between, BRANDS, CREATED_FROM_S, DATES_UNTIL_S, formatBeijing, pick, random, yuan } from "./dataset";

export interface Sku {
  id: number;
  code: string;
  name: string;
  note: string;
  bar_code: string | null;
  weight: number;
  volume: number;
  sales_price: number;
  purchase_price: number;
  agent_price: number;
  cost_price: number;
  stock_status_code: string | null;
  tax_rate: number;
}

export interface Item {
  id: number;
  create_date: string;
  modify_date: string;
  code: string;
  name: string;
  simple_name: string;
  note: string;
  weight: number;
  length: number;
  width: number;
  height: number;
  volume: number;
  combine: boolean;
  del: boolean;
  category_code: string;
  category_name: string;
  supplier_code: string;
  item_unit_code: string | null;
  item_unit_name: string | null;
  sales_price: number;
  purchase_price: number;
  agent_price: number;
  cost_price: number;
  stock_status_code: string | null;
  bar_code: string | null;
  tax_no: string;
  tax_rate: number;
  item_brand_code: string;
  item_brand_name: string;
  package_point: number;
  sales_point: number;
  pic_url?: string;
  combine_items: unknown[];
  skus: Sku[];
}

/** What a person can set on an item through the admin endpoint. */
export type ItemFields = Partial<
  Pick<Item, "name" | "simple_name" | "note" | "category_code" | "category_name" | "sales_price" | "purchase_price" | "agent_price" | "cost_price" | "del" | "bar_code" | "weight">
>;

export interface NewItem extends ItemFields {
  code: string;
  name: string;
  /** 规格; none = one sku whose code and name are the item's. */
  skus?: { code: string; name: string; sales_price?: number; bar_code?: string | null }[];
}

export interface ItemQuery {
  /** Inclusive bounds on modify_date, in epoch seconds. */
  modifiedFrom?: number;
  modifiedTo?: number;
  code?: string;
}

const SIZES = ["红色 S", "红色 M", "黑色 M", "黑色 L", "白色 L", "白色 XL"];
const WEIGHTS = ["100g", "250g", "500g", "1kg"];
const PACKS = ["标准装", "礼盒装", "旅行装", "家庭装"];
/** 分类代码, 分类名称, products, the 规格 its multi-spec items come in. */
const CATEGORIES: [string, string, string[], string[]][] = [
  ["0101", "服饰", ["纯棉T恤", "连帽卫衣", "牛仔裤", "羊毛围巾"], SIZES],
  ["0201", "家居", ["四件套", "记忆枕", "收纳箱", "香薰蜡烛"], PACKS],
  ["0301", "食品", ["坚果礼盒", "挂耳咖啡", "手工曲奇", "蜂蜜"], WEIGHTS],
  ["0401", "茶叶", ["明前龙井", "正山小种", "白毫银针", "普洱茶饼"], WEIGHTS],
  ["0501", "美妆", ["保湿面霜", "洁面乳", "防晒霜", "口红"], PACKS],
  ["0601", "母婴", ["婴儿湿巾", "奶瓶", "纸尿裤", "儿童餐椅"], PACKS],
];
const UNITS: [string, string][] = [
  ["PCS", "件"],
  ["BOX", "盒"],
];
const NOTES = ["新品", "清仓款", "赠品专用", "预售"];

const ID_BASE = 831148100000;
const SKU_ID_BASE = 831148800000;
/** Room for the skus of one item in the sku id space. */
const MAX_SKUS = 8;

interface Entry {
  item: Item;
  modified: number;
}

function skuOf(id: number, code: string, name: string, salesFen: number, barCode: string | null, weight: number): Sku {
  return {
    id,
    code,
    name,
    note: "",
    bar_code: barCode,
    weight,
    volume: 0,
    sales_price: yuan(salesFen),
    purchase_price: yuan(salesFen * 0.5),
    agent_price: yuan(salesFen * 0.85),
    cost_price: yuan(salesFen * 0.55),
    stock_status_code: null,
    tax_rate: 0,
  };
}

function generatedItem(seed: number, index: number): { item: Item; modified: number } {
  const r = (field: number) => random(seed, index, 100 + field);
  const [categoryCode, categoryName, products, specs] = pick(CATEGORIES, r(1));
  const brand = pick(BRANDS, r(2));
  const product = pick(products, r(3));
  const code = `SP${String(index + 1).padStart(5, "0")}`;
  const name = `${brand}${product}`;
  // Prices like 19.90, 129.00: whole yuan or .90.
  const salesFen = between(9, 599, r(4)) * 100 - (r(5) < 0.4 ? 10 : 0);
  const weight = between(5, 200, r(6)) / 100;
  const barCode = r(7) < 0.6 ? `69${String(Math.floor(r(8) * 1e11)).padStart(11, "0")}` : null;
  const skuCount = r(9) < 0.15 ? between(2, 4, r(10)) : 1;
  const id = ID_BASE + index * 13;
  const skuBase = SKU_ID_BASE + index * MAX_SKUS;
  const skus =
    skuCount === 1
      ? [skuOf(skuBase, code, name, salesFen, barCode, weight)]
      : Array.from({ length: skuCount }, (_, j) => {
          const spec = specs[(Math.floor(r(11) * specs.length) + j) % specs.length] as string;
          return skuOf(skuBase + j, `${code}-${String(j + 1).padStart(2, "0")}`, `${name} ${spec}`, salesFen + j * 1000, null, weight);
        });
  const created = CREATED_FROM_S + Math.floor(r(12) * (DATES_UNTIL_S - CREATED_FROM_S));
  const modified = created + Math.floor(r(13) * (DATES_UNTIL_S - created));
  const unit = r(14) < 0.3 ? pick(UNITS, r(15)) : undefined;
  const item: Item = {
    id,
    create_date: formatBeijing(created),
    modify_date: formatBeijing(modified),
    code,
    name,
    simple_name: product,
    note: r(16) < 0.85 ? "" : pick(NOTES, r(17)),
    weight,
    length: 0,
    width: 0,
    height: 0,
    volume: 0,
    combine: false,
    del: r(18) < 0.05,
    category_code: categoryCode,
    category_name: categoryName,
    supplier_code: `GYS${String(between(1, 12, r(19))).padStart(4, "0")}`,
    item_unit_code: unit ? unit[0] : null,
    item_unit_name: unit ? unit[1] : null,
    sales_price: yuan(salesFen),
    purchase_price: yuan(salesFen * 0.5),
    agent_price: yuan(salesFen * 0.85),
    cost_price: yuan(salesFen * 0.55),
    stock_status_code: null,
    bar_code: barCode,
    tax_no: "",
    tax_rate: 0,
    item_brand_code: `BR${String(BRANDS.indexOf(brand) + 1).padStart(4, "0")}`,
    item_brand_name: brand,
    package_point: 0,
    sales_point: 0,
    ...(r(20) < 0.2 ? { pic_url: `https://img.example.invalid/items/${code}.jpg` } : {}),
    combine_items: [],
    skus,
  };
  return { item, modified };
}

export class ItemStore {
  readonly seed: number;
  readonly generated: number;
  private readonly entries: Entry[] = [];
  private readonly byCode = new Map<string, number>();
  /** sku code → [item index, sku index]. */
  private readonly bySku = new Map<string, [number, number]>();
  private order: number[] | undefined;

  constructor(items: number, seed: number) {
    this.seed = seed;
    this.generated = items;
    for (let i = 0; i < items; i++) this.insert(generatedItem(seed, i));
  }

  get size(): number {
    return this.entries.length;
  }

  /** A copy: callers cannot change the store by editing what they were given. */
  get(index: number): Item {
    return structuredClone((this.entries[index] as Entry).item);
  }

  /** The stored item itself, for readers that copy what they keep (generation of deliveries). */
  view(index: number): Readonly<Item> {
    return (this.entries[index] as Entry).item;
  }

  indexOfCode(code: string): number {
    return this.byCode.get(code) ?? -1;
  }

  /** The item and sku of a sku code, as copies. */
  findSku(skuCode: string): { item: Item; sku: Sku } | undefined {
    const at = this.bySku.get(skuCode);
    if (!at) return undefined;
    const item = this.get(at[0]);
    return { item, sku: item.skus[at[1]] as Sku };
  }

  /** Rows matching the filter (`total`) and the requested slice of them, in (modify_date, code) order. */
  query(filter: ItemQuery, offset: number, limit: number): { total: number; items: Item[] } {
    const from = filter.modifiedFrom ?? Number.NEGATIVE_INFINITY;
    const to = filter.modifiedTo ?? Number.POSITIVE_INFINITY;
    const hits = this.sorted().filter((i) => {
      const e = this.entries[i] as Entry;
      return e.modified >= from && e.modified <= to && (filter.code === undefined || e.item.code === filter.code);
    });
    return { total: hits.length, items: hits.slice(offset, offset + limit).map((i) => this.get(i)) };
  }

  /** Adds an item created and modified at `now` (epoch seconds). Throws if a code is taken. */
  add(fields: NewItem, now: number): Item {
    const index = this.entries.length;
    const { skus: newSkus, code, name, ...rest } = fields;
    const salesFen = Math.round((fields.sales_price ?? 0) * 100);
    const skuBase = SKU_ID_BASE + index * MAX_SKUS;
    const specs = newSkus && newSkus.length > 0 ? newSkus : [{ code, name, sales_price: fields.sales_price, bar_code: fields.bar_code ?? null }];
    if (specs.length > MAX_SKUS) throw new Error(`一个商品最多 ${MAX_SKUS} 个规格`);
    const codes = [code, ...specs.map((s) => s.code)];
    for (const c of new Set(codes)) if (this.byCode.has(c) || this.bySku.has(c)) throw new Error(`商品或规格代码 ${c} 已存在`);
    if (new Set(specs.map((s) => s.code)).size !== specs.length) throw new Error("规格代码重复");
    const skus = specs.map((s, j) => skuOf(skuBase + j, s.code, s.name, Math.round((s.sales_price ?? yuan(salesFen)) * 100), s.bar_code ?? null, fields.weight ?? 0));
    const item: Item = {
      id: ID_BASE + index * 13,
      create_date: formatBeijing(now),
      modify_date: formatBeijing(now),
      code,
      name,
      simple_name: name,
      note: "",
      weight: 0,
      length: 0,
      width: 0,
      height: 0,
      volume: 0,
      combine: false,
      del: false,
      category_code: "",
      category_name: "",
      supplier_code: "",
      item_unit_code: null,
      item_unit_name: null,
      sales_price: yuan(salesFen),
      purchase_price: 0,
      agent_price: 0,
      cost_price: 0,
      stock_status_code: null,
      bar_code: null,
      tax_no: "",
      tax_rate: 0,
      item_brand_code: "",
      item_brand_name: "",
      package_point: 0,
      sales_point: 0,
      combine_items: [],
      skus,
      ...rest,
    };
    this.insert({ item, modified: now });
    return this.get(index);
  }

  /** Changes fields of an item (not its code or skus) and sets its modify_date to `now`. */
  modify(index: number, changes: ItemFields, now: number): Item {
    const entry = this.entries[index] as Entry;
    const modified = Math.max(now, entry.modified);
    entry.item = { ...entry.item, ...changes, modify_date: formatBeijing(modified) };
    entry.modified = modified;
    this.order = undefined;
    return this.get(index);
  }

  private insert(entry: Entry): void {
    const index = this.entries.length;
    this.entries.push(entry);
    this.byCode.set(entry.item.code, index);
    entry.item.skus.forEach((s, j) => this.bySku.set(s.code, [index, j]));
    this.order = undefined;
  }

  private sorted(): number[] {
    if (!this.order) {
      const e = this.entries;
      this.order = e.map((_, i) => i).sort((a, b) => (e[a] as Entry).modified - (e[b] as Entry).modified || compareText((e[a] as Entry).item.code, (e[b] as Entry).item.code));
    }
    return this.order;
  }
}

/** Code order by UTF-16 units, the same everywhere (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
