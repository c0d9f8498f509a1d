// The simulator's shops: N generated from a seed plus whatever the admin endpoint adds or modifies.
// Generated shops are never stored as objects: every field is a pure function of (seed, index),
// and only the two timestamps live in typed arrays, so 100,000 shops cost under 1 MB and a page is
// found by binary search over the shops sorted by (modify_date, id).
import { BRANDS, CREATED_FROM_S, DATES_UNTIL_S, formatBeijing, pick, random } from "./dataset";

export interface Shop {
  id: number;
  nick: string;
  code: string;
  name: string;
  create_date: string;
  modify_date: string;
  note: string;
  type_name: string;
}

/** The fields a person can set on a shop (through the admin endpoint). */
export type ShopFields = Pick<Shop, "nick" | "code" | "name" | "note" | "type_name">;

export interface ShopQuery {
  /** Inclusive bounds on modify_date, in epoch seconds. */
  modifiedFrom?: number;
  modifiedTo?: number;
  code?: string;
}

export const SHOP_TYPES = ["天猫", "淘宝", "京东", "拼多多", "抖音", "有赞微商城", "当当V2", "其他"] as const;
const TYPE_WEIGHTS = [24, 22, 16, 14, 10, 6, 3, 5];
const CODE_PREFIX: Record<string, string> = {
  天猫: "TM",
  淘宝: "TB",
  京东: "JD",
  拼多多: "PDD",
  抖音: "DY",
  有赞微商城: "YZ",
  当当V2: "DD",
  其他: "QT",
};
const SUFFIXES: Record<string, string[]> = {
  天猫: ["官方旗舰店", "旗舰店", "专卖店", "专营店"],
  淘宝: ["小铺", "工作室", "原创店", "企业店"],
  京东: ["京东自营旗舰店", "旗舰店", "专营店"],
  拼多多: ["官方旗舰店", "品牌店", "工厂店"],
  抖音: ["抖音旗舰店", "官方直播间", "抖音小店"],
  有赞微商城: ["微商城", "会员商城"],
  当当V2: ["当当专营店", "当当旗舰店"],
  其他: ["线下门店", "分销仓", "批发部"],
};
const CATEGORIES = ["服饰", "家居", "数码", "母婴", "美妆", "食品", "户外", "家电", "茶叶", "宠物用品", "文具", "鞋包"];
const CITIES = ["杭州", "广州", "深圳", "义乌", "苏州", "成都", "武汉", "厦门"];
const NOTES = ["主营店铺", "测试店铺，勿用", "双十一新开", "已停止运营", "分销专用", "由代运营公司管理"];

const ID_BASE = 710944500000;
const ID_STEP = 7;

function weightedType(r: number): string {
  const total = TYPE_WEIGHTS.reduce((a, b) => a + b, 0);
  let x = r * total;
  for (let i = 0; i < SHOP_TYPES.length; i++) {
    x -= TYPE_WEIGHTS[i] ?? 0;
    if (x < 0) return SHOP_TYPES[i] as string;
  }
  return "其他";
}

function generatedFields(seed: number, index: number): ShopFields {
  const type = weightedType(random(seed, index, 1));
  const brand = pick(BRANDS, random(seed, index, 2));
  const category = pick(CATEGORIES, random(seed, index, 3));
  const suffix = pick(SUFFIXES[type] ?? ["店"], random(seed, index, 4));
  const name = type === "其他" ? `${pick(CITIES, random(seed, index, 5))}${brand}${category}${suffix}` : `${brand}${category}${suffix}`;
  const nick = type === "淘宝" || type === "拼多多" ? `${brand}${category}${1000 + Math.floor(random(seed, index, 6) * 9000)}` : name;
  const note = random(seed, index, 7) < 0.8 ? "" : pick(NOTES, random(seed, index, 8));
  return { nick, code: generatedCode(type, index), name, note, type_name: type };
}

function generatedCode(type: string, index: number): string {
  return `${CODE_PREFIX[type] ?? "QT"}${String(index + 1).padStart(6, "0")}`;
}

export class ShopStore {
  readonly seed: number;
  /** Shops 0 … generated-1 come from the seed; later ones were added. */
  readonly generated: number;
  private count: number;
  private createdAt: Uint32Array;
  private modifiedAt: Uint32Array;
  /** Fields set through the admin endpoint (all fields for added shops). */
  private readonly overrides = new Map<number, Partial<ShopFields>>();
  /** Codes that differ from the generated ones: added shops and changed codes. */
  private readonly setCodes = new Map<string, number>();
  /** Shop indexes sorted by (modify_date, id); rebuilt lazily after a change. */
  private order: Uint32Array | undefined;

  constructor(shops: number, seed: number) {
    this.seed = seed;
    this.generated = shops;
    this.count = shops;
    this.createdAt = new Uint32Array(Math.max(16, shops));
    this.modifiedAt = new Uint32Array(Math.max(16, shops));
    for (let i = 0; i < shops; i++) {
      const created = CREATED_FROM_S + Math.floor(random(seed, i, 10) * (DATES_UNTIL_S - CREATED_FROM_S));
      this.createdAt[i] = created;
      this.modifiedAt[i] = created + Math.floor(random(seed, i, 11) * (DATES_UNTIL_S - created));
    }
  }

  get size(): number {
    return this.count;
  }

  get(index: number): Shop {
    const fields = { ...(index < this.generated ? generatedFields(this.seed, index) : undefined), ...this.overrides.get(index) } as ShopFields;
    return {
      id: ID_BASE + index * ID_STEP,
      nick: fields.nick,
      code: fields.code,
      name: fields.name,
      create_date: formatBeijing(this.createdAt[index] ?? 0),
      modify_date: formatBeijing(this.modifiedAt[index] ?? 0),
      note: fields.note,
      type_name: fields.type_name,
    };
  }

  indexOfId(id: number): number {
    const offset = id - ID_BASE;
    const index = offset / ID_STEP;
    return Number.isInteger(index) && index >= 0 && index < this.count ? index : -1;
  }

  indexOfCode(code: string): number {
    const set = this.setCodes.get(code);
    if (set !== undefined) return set;
    const m = /^[A-Z]+(\d{6,})$/.exec(code);
    if (!m) return -1;
    const index = Number(m[1]) - 1;
    if (index < 0 || index >= this.generated || this.overrides.get(index)?.code !== undefined) return -1;
    return generatedFields(this.seed, index).code === code ? index : -1;
  }

  /** Rows matching the filter (`total`) and the requested slice of them, in (modify_date, id) order. */
  query(filter: ShopQuery, offset: number, limit: number): { total: number; shops: Shop[] } {
    const from = filter.modifiedFrom ?? 0;
    const to = filter.modifiedTo ?? Number.MAX_SAFE_INTEGER;
    if (filter.code !== undefined) {
      const index = this.indexOfCode(filter.code);
      const hit = index >= 0 && (this.modifiedAt[index] ?? 0) >= from && (this.modifiedAt[index] ?? 0) <= to;
      return { total: hit ? 1 : 0, shops: hit && offset === 0 && limit > 0 ? [this.get(index)] : [] };
    }
    const order = this.sorted();
    const lo = this.firstModifiedAtLeast(order, from);
    const hi = to === Number.MAX_SAFE_INTEGER ? order.length : this.firstModifiedAtLeast(order, to + 1);
    const total = Math.max(0, hi - lo);
    const shops: Shop[] = [];
    for (let p = lo + offset; p < hi && shops.length < limit; p++) shops.push(this.get(order[p] as number));
    return { total, shops };
  }

  /** Adds a shop created and modified at `now` (epoch seconds). Throws if the code is taken. */
  add(fields: ShopFields, now: number): Shop {
    this.assertCodeFree(fields.code);
    const index = this.count;
    if (index >= this.createdAt.length) this.grow();
    this.count++;
    this.createdAt[index] = now;
    this.modifiedAt[index] = now;
    this.overrides.set(index, { ...fields });
    this.setCodes.set(fields.code, index);
    this.order = undefined;
    return this.get(index);
  }

  /** Changes fields of a shop and sets its modify_date to `now`. Throws if a new code is taken. */
  modify(index: number, changes: Partial<ShopFields>, now: number): Shop {
    const before = this.get(index);
    if (changes.code !== undefined && changes.code !== before.code) {
      this.assertCodeFree(changes.code);
      this.setCodes.delete(before.code);
      this.setCodes.set(changes.code, index);
    }
    this.overrides.set(index, { ...this.overrides.get(index), ...changes });
    this.modifiedAt[index] = Math.max(now, this.createdAt[index] ?? 0);
    this.order = undefined;
    return this.get(index);
  }

  private assertCodeFree(code: string): void {
    if (this.indexOfCode(code) >= 0) throw new Error(`店铺代码 ${code} 已存在`);
  }

  private grow(): void {
    const created = new Uint32Array(this.createdAt.length * 2);
    const modified = new Uint32Array(this.modifiedAt.length * 2);
    created.set(this.createdAt);
    modified.set(this.modifiedAt);
    this.createdAt = created;
    this.modifiedAt = modified;
  }

  private sorted(): Uint32Array {
    if (!this.order) {
      const modified = this.modifiedAt;
      const order = new Uint32Array(this.count);
      for (let i = 0; i < order.length; i++) order[i] = i;
      // Index order is id order, so ties on modify_date are broken by id.
      order.sort((a, b) => (modified[a] ?? 0) - (modified[b] ?? 0) || a - b);
      this.order = order;
    }
    return this.order;
  }

  private firstModifiedAtLeast(order: Uint32Array, seconds: number): number {
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.modifiedAt[order[mid] as number] ?? 0) < seconds) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
