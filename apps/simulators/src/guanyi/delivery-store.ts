// The simulator's 发货单 (gy.erp.trade.deliverys.get): N deliveries generated from a seed, naming
// the seeded shops and items, plus whatever the admin endpoint adds or modifies. Shapes follow
// shared/protocols/guanyi-documents.md (the 2025 sample). Choices where the doc is silent:
// - About 3 % are 作废 (`cancel` 1); the `del` filter hides them unless `del` = 1, as documented.
// - Every filter of the doc's parameter table is served (`matching`); what it leaves open is ours:
//   `delivery` 1 keeps status 2 (发货成功), 0 keeps -1 / 0 / 1, as the doc's two values say;
//   `start_create`/`end_create` filter create_date and `start_delivery_date`/`end_delivery_date`
//   delivery_statusInfo.delivery_date (an unshipped delivery, delivery_date null, is outside every
//   such window), bounds inclusive, and either bound of these two windows may come alone (the doc
//   pairs only the modify window); `outer_code` matches platform_code (平台单号), `mail_no`
//   express_no (the delivery's 运单号), `vip_name`, `code`, `shop_code`, `warehouse_code` match
//   exactly; `print` 0/1 is delivery_statusInfo.print_express (the only print flag the sample has),
//   `scan` delivery_statusInfo.scan, `cod` the delivery's cod, `wms` 1 a non-zero
//   delivery_statusInfo.wms, `sync_status` the delivery's sync_status (-1 / 0 / 1).
// - `warehouse_code` is one of WH01 主仓 / WH02 华东仓 / WH03 华南仓 (other schemes rely on these).
// - Absent values: `pay_time` null (货到付款), `seller_memo` "", `vip_real_name` missing on half.
// - Rows are sorted by the filtered time, then code (guanyi-documents.md § Unknown / our choice):
//   modify_date when the modify window is given or no window is, else delivery_date when the
//   delivery window is given, else create_date. A detail's `item_sku_id` is the sku's `id`, as
//   that section assumes.
// - Deliveries are snapshots: renaming a shop or repricing an item later changes no delivery.
// - Detail lines, money and the vocabulary of generated deliveries: ./delivery-lines.ts.
import { between, beijingSeconds, DATES_UNTIL_S, formatBeijing, pick, random } from "./dataset";
import { AREAS, BUYER_MEMOS, EXPRESS, fenOf, generatedLines, GIVEN, MAX_LINES, moneyFields, priced, render, ROADS, SELLER_MEMOS, SURNAMES } from "./delivery-lines";
import type { Delivery, DeliveryChanges, DeliveryQuery, LineSpec, NewDelivery } from "./delivery-types";
import { WAREHOUSES } from "./delivery-types";
import { compareText, type ItemStore } from "./item-store";
import type { ShopStore } from "./shop-store";

const CLERKS = ["系统", "胡诚燕", "仓库-小李", "客服-阿May"];

const CODE_BASE = 842184100000;
const TRADE_BASE = 842185100000;
const FIRST_CREATED_S = beijingSeconds(2024, 1, 1);

interface Entry {
  delivery: Delivery;
  modified: number;
  created: number;
  /** delivery_statusInfo.delivery_date in epoch seconds; null while not shipped. */
  delivered: number | null;
}

/** The time rows are sorted by (the filtered one; see the file comment). */
type SortTime = "modified" | "created" | "delivered";

function sortTimeOf(filter: DeliveryQuery): SortTime {
  if (filter.modifiedFrom !== undefined || filter.modifiedTo !== undefined) return "modified";
  if (filter.deliveredFrom !== undefined || filter.deliveredTo !== undefined) return "delivered";
  if (filter.createdFrom !== undefined || filter.createdTo !== undefined) return "created";
  return "modified";
}

const within = (time: number | null, from: number | undefined, to: number | undefined) =>
  from === undefined && to === undefined ? true : time !== null && time >= (from ?? Number.NEGATIVE_INFINITY) && time <= (to ?? Number.POSITIVE_INFINITY);

const flag = (wanted: boolean | undefined, actual: boolean) => wanted === undefined || wanted === actual;

export class DeliveryStore {
  readonly seed: number;
  private readonly entries: Entry[] = [];
  private readonly byCode = new Map<string, number>();
  /** Row indices sorted by each sort time, then code; built when first asked for. */
  private readonly sortedBy = new Map<SortTime, number[]>();
  /**
   * The matching rows of the last filter, in order: a full read asks the same filter once per page,
   * and filtering every delivery for each page made reading N deliveries quadratic in N (50,000
   * took 10 s in the simulator alone). Dropped with `sortedBy` whenever a delivery is added or changed.
   */
  private lastHits: { key: string; hits: number[] } | undefined;

  /** `count` deliveries naming the generated shops and items; none if either set is empty. */
  constructor(count: number, seed: number, shops: ShopStore, items: ItemStore) {
    this.seed = seed;
    if (shops.generated === 0 || items.generated === 0) return;
    for (let i = 0; i < count; i++) this.generate(i, shops, items);
  }

  get size(): number {
    return this.entries.length;
  }

  get(index: number, moneyAsString = false): Delivery {
    return render((this.entries[index] as Entry).delivery, moneyAsString);
  }

  /** The stored delivery itself, for readers that copy what they keep (generation of orders). */
  view(index: number): Readonly<Delivery> {
    return (this.entries[index] as Entry).delivery;
  }

  indexOfCode(code: string): number {
    return this.byCode.get(code) ?? -1;
  }

  /** Rows matching the filter (`total`) and the requested slice, in (filtered time, code) order. */
  query(filter: DeliveryQuery, offset: number, limit: number, moneyAsString = false): { total: number; deliverys: Delivery[] } {
    const hits = this.matching(filter);
    return { total: hits.length, deliverys: hits.slice(offset, offset + limit).map((i) => this.get(i, moneyAsString)) };
  }

  private matching(filter: DeliveryQuery): number[] {
    const key = JSON.stringify(filter);
    if (this.lastHits?.key === key) return this.lastHits.hits;
    const hits = this.sorted(sortTimeOf(filter)).filter((i) => {
      const { delivery: d, modified, created, delivered } = this.entries[i] as Entry;
      const status = d.delivery_statusInfo;
      return (
        within(modified, filter.modifiedFrom, filter.modifiedTo) &&
        within(created, filter.createdFrom, filter.createdTo) &&
        within(delivered, filter.deliveredFrom, filter.deliveredTo) &&
        (filter.includeCancelled || d.cancel === 0) &&
        (filter.code === undefined || d.code === filter.code) &&
        (filter.shopCode === undefined || d.shop_code === filter.shopCode) &&
        (filter.warehouseCode === undefined || d.warehouse_code === filter.warehouseCode) &&
        (filter.vipName === undefined || d.vip_name === filter.vipName) &&
        (filter.outerCode === undefined || d.platform_code === filter.outerCode) &&
        (filter.mailNo === undefined || d.express_no === filter.mailNo) &&
        flag(filter.shipped, status.delivery === 2) &&
        flag(filter.printed, status.print_express) &&
        flag(filter.scanned, status.scan) &&
        flag(filter.cod, d.cod) &&
        flag(filter.wms, status.wms !== 0) &&
        (filter.syncStatus === undefined || d.sync_status === filter.syncStatus)
      );
    });
    this.lastHits = { key, hits };
    return hits;
  }

  /** Adds a delivery created, paid and modified at `now` (epoch seconds), not yet shipped unless `spec.delivery` says so. */
  add(spec: NewDelivery, now: number): Delivery {
    const index = this.entries.length;
    const code = spec.code ?? this.freeCode();
    if (this.byCode.has(code)) throw new Error(`发货单 ${code} 已存在`);
    if (spec.lines.length === 0 || spec.lines.length > MAX_LINES) throw new Error(`发货单需要 1 到 ${MAX_LINES} 行明细`);
    const tradeCode = `SO${TRADE_BASE + index * 17}`;
    const platformCode = spec.platform_code ?? `Q${TRADE_BASE + index * 17}`;
    const cod = spec.cod ?? false;
    const time = formatBeijing(now);
    const status = spec.delivery ?? 0;
    const shipped = status === 2;
    const p = priced(index, tradeCode, platformCode, spec.lines, fenOf(spec.post_fee ?? 0), cod);
    const delivery: Delivery = {
      code,
      platform_code: platformCode,
      create_date: time,
      modify_date: time,
      pay_time: cod ? null : time,
      ...moneyFields(p),
      post_cost: 0,
      cod,
      cancel: 0,
      shop_code: spec.shop.code,
      shop_name: spec.shop.name,
      warehouse_code: spec.warehouse_code,
      warehouse_name: WAREHOUSES[spec.warehouse_code],
      vip_code: "",
      vip_name: "",
      express_code: "",
      express_name: "",
      express_no: null,
      receiver_name: "",
      receiver_phone: null,
      receiver_mobile: "",
      receiver_zip: "",
      receiver_address: "",
      area_name: "",
      buyer_memo: spec.buyer_memo ?? null,
      seller_memo: spec.seller_memo ?? "",
      create_name: "模拟器",
      sync_status: 0,
      invoices: [],
      payments: null,
      details: p.details,
      delivery_statusInfo: {
        delivery: status,
        delivery_date: shipped ? time : null,
        delivery_name: shipped ? "模拟器" : null,
        cancel: false,
        intercept: false,
        scan: false,
        weight: false,
        wms: 0,
        print_express: false,
      },
    };
    this.insert({ delivery, modified: now, created: now, delivered: shipped ? now : null });
    return this.get(index);
  }

  /** Changes a delivery (and its lines, if given) and sets its modify_date to `now`. */
  modify(index: number, changes: DeliveryChanges, lines: LineSpec[] | undefined, now: number): Delivery {
    const entry = this.entries[index] as Entry;
    const modified = Math.max(now, entry.modified);
    const d = structuredClone(entry.delivery);
    const { warehouse_code, cancel, delivery, ...plain } = changes;
    Object.assign(d, plain);
    if (warehouse_code !== undefined) Object.assign(d, { warehouse_code, warehouse_name: WAREHOUSES[warehouse_code] });
    if (cancel !== undefined) {
      d.cancel = cancel;
      d.delivery_statusInfo.cancel = cancel === 1;
    }
    if (delivery !== undefined) {
      d.delivery_statusInfo.delivery = delivery;
      d.delivery_statusInfo.delivery_date = delivery === 2 ? formatBeijing(modified) : null;
      entry.delivered = delivery === 2 ? modified : null;
    }
    if (lines) {
      if (lines.length === 0 || lines.length > MAX_LINES) throw new Error(`发货单需要 1 到 ${MAX_LINES} 行明细`);
      const first = d.details[0];
      const p = priced(index, first?.trade_code ?? "", d.platform_code, lines, fenOf(d.post_fee), d.cod);
      Object.assign(d, moneyFields(p), { details: p.details });
    }
    d.modify_date = formatBeijing(modified);
    entry.delivery = d;
    entry.modified = modified;
    this.changed();
    return this.get(index);
  }

  private generate(index: number, shops: ShopStore, items: ItemStore): void {
    const r = (field: number) => random(this.seed, index, 400 + field);
    const shop = shops.get(between(0, shops.generated - 1, r(0)));
    const created = FIRST_CREATED_S + Math.floor(r(1) * (DATES_UNTIL_S - 3 * 86400 - FIRST_CREATED_S));
    const modified = created + between(600, 3 * 86400, r(2));
    const cod = r(3) < 0.05;
    const cancelled = r(4) < 0.03;
    const status = cancelled ? 0 : r(5) < 0.85 ? 2 : r(5) < 0.92 ? 0 : r(5) < 0.97 ? 1 : -1;
    const [expressCode, expressName, expressPrefix] = pick(EXPRESS, r(6));
    const receiver = `${pick(SURNAMES, r(7))}${pick(GIVEN, r(8))}`;
    const area = pick(AREAS, r(9));
    const warehouse = r(10) < 0.6 ? "WH01" : r(10) < 0.85 ? "WH02" : "WH03";
    const tradeCode = `SO${TRADE_BASE + index * 17}`;
    const platformCode = String(1e15 + Math.floor(r(11) * 8e15));
    const p = priced(index, tradeCode, platformCode, generatedLines(this.seed, index, items), r(12) < 0.6 ? 0 : between(5, 15, r(13)) * 100, cod);
    const vip = `${receiver}${between(100, 999, r(14))}`;
    const delivery: Delivery = {
      code: this.freeCode(),
      platform_code: platformCode,
      create_date: formatBeijing(created),
      modify_date: formatBeijing(modified),
      pay_time: cod ? null : formatBeijing(created - between(60, 7200, r(15))),
      ...moneyFields(p),
      post_cost: between(6, 12, r(16)),
      cod,
      cancel: cancelled ? 1 : 0,
      shop_code: shop.code,
      shop_name: shop.name,
      warehouse_code: warehouse,
      warehouse_name: WAREHOUSES[warehouse],
      vip_code: vip,
      vip_name: vip,
      ...(r(17) < 0.5 ? { vip_real_name: receiver } : {}),
      express_code: expressCode,
      express_name: expressName,
      express_no: status === 2 || status === 1 ? `${expressPrefix}${String(Math.floor(r(18) * 1e12)).padStart(12, "0")}` : cancelled ? "" : null,
      receiver_name: receiver,
      receiver_phone: r(19) < 0.1 ? `0571-${between(80000000, 89999999, r(20))}` : null,
      receiver_mobile: `1${between(3, 9, r(21))}${String(Math.floor(r(22) * 1e9)).padStart(9, "0")}`,
      receiver_zip: r(23) < 0.2 ? String(between(100000, 850000, r(24))) : "",
      receiver_address: `${area.replace(/-/g, "")}${pick(ROADS, r(25))}${between(1, 999, r(26))}号`,
      area_name: area,
      buyer_memo: r(27) < 0.8 ? null : pick(BUYER_MEMOS, r(28)),
      seller_memo: r(29) < 0.85 ? "" : pick(SELLER_MEMOS, r(30)),
      create_name: pick(CLERKS, r(31)),
      sync_status: r(32) < 0.9 ? 1 : 0,
      invoices: [],
      payments: null,
      details: p.details,
      delivery_statusInfo: {
        delivery: status,
        delivery_date: status === 2 ? formatBeijing(modified) : null,
        delivery_name: status === 2 ? pick(CLERKS, r(33)) : null,
        cancel: cancelled,
        intercept: false,
        scan: status === 2,
        weight: status === 2 && r(34) < 0.5,
        wms: 0,
        print_express: status >= 1,
      },
    };
    this.insert({ delivery, modified, created, delivered: status === 2 ? modified : null });
  }

  /**
   * The next unused code (SDO + a number that follows the row's index), skipping codes taken by
   * hand and those in `reserved` (codes an admin batch is about to add).
   */
  freeCode(reserved: ReadonlySet<string> = new Set()): string {
    for (let i = this.entries.length; ; i++) {
      const code = `SDO${CODE_BASE + i * 17}`;
      if (!this.byCode.has(code) && !reserved.has(code)) return code;
    }
  }

  private insert(entry: Entry): void {
    this.byCode.set(entry.delivery.code, this.entries.length);
    this.entries.push(entry);
    this.changed();
  }

  private changed(): void {
    this.sortedBy.clear();
    this.lastHits = undefined;
  }

  /** Indices by `time`, then code; rows without that time (unshipped, for `delivered`) last. */
  private sorted(time: SortTime): number[] {
    let order = this.sortedBy.get(time);
    if (!order) {
      const e = this.entries;
      const at = (i: number) => (e[i] as Entry)[time] ?? Number.POSITIVE_INFINITY;
      order = e.map((_, i) => i).sort((a, b) => at(a) - at(b) || compareText((e[a] as Entry).delivery.code, (e[b] as Entry).delivery.code));
      this.sortedBy.set(time, order);
    }
    return order;
  }
}
