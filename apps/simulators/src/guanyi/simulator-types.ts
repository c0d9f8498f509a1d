// The 管易云 simulator's public shapes: its state, counters, the dataset a reset takes and the
// operations tests drive it with (server.ts implements them).
import type { DeliveryStore } from "./delivery-store";
import type { Delivery } from "./delivery-types";
import type { DeliveryChange, ItemChange, NewDeliveryInput, NewItemInput } from "./document-admin";
import type { Item, ItemStore } from "./item-store";
import type { GuanyiFaults, GuanyiTenant } from "./options";
import type { NewOrderInput, OrderChange } from "./order-admin";
import type { OrderStore } from "./order-store";
import type { Order } from "./order-types";
import type { Shop, ShopFields, ShopStore } from "./shop-store";

export interface GuanyiSimStats {
  /** POSTs to /rest/erp_open, whatever became of them. */
  requests: number;
  /** Calls that passed authentication and throttling, by method. */
  calls: Record<string, number>;
  /** `success:false` answers by errorCode (throttling included). */
  failures: Record<string, number>;
  throttled: number;
  errorsInjected: { http500: number; http502: number; malformed: number; dropped: number };
}

export interface GuanyiSimState {
  shops: ShopStore;
  items: ItemStore;
  /** Deliveries name the shops and items generated with them. */
  deliveries: DeliveryStore;
  /** Orders: the first ones are those of the generated deliveries (their detail `trade_code`). */
  orders: OrderStore;
  /** Delivery and order money fields as strings (the 2025 shape). */
  moneyAsString: boolean;
  faults: GuanyiFaults;
  stats: GuanyiSimStats;
  /** The demo tenant first, then the configured ones. */
  tenants: GuanyiTenant[];
}

export interface NewShop {
  code: string;
  name: string;
  nick?: string;
  note?: string;
  type_name?: string;
}

/** Identifies a shop by `id` or `code`; `set` holds the new field values (omit it to only touch). */
export interface ShopChange {
  id?: number | string;
  code?: string;
  set?: Partial<ShopFields>;
}

export interface GuanyiSimulator {
  readonly state: GuanyiSimState;
  /**
   * New generated dataset (default: the configured sizes and the current seed; `moneyAsString`
   * is kept unless given); clears the counters.
   */
  reset(dataset?: GuanyiDataset): void;
  /** Adds shops created now. All or nothing: a taken code refuses the whole batch. */
  addShops(shops: NewShop[]): Shop[];
  /** Changes shops and sets their modify_date to now. All or nothing. */
  modifyShops(changes: ShopChange[]): Shop[];
  /** Adds items created now (single-spec unless `skus` are given). All or nothing. */
  addItems(items: NewItemInput[]): Item[];
  /** Changes items (found by code) and sets their modify_date to now. All or nothing. */
  modifyItems(changes: ItemChange[]): Item[];
  /** Adds unshipped deliveries created now, naming existing shop and sku codes. All or nothing. */
  addDeliveries(deliveries: NewDeliveryInput[]): Delivery[];
  /** Changes deliveries (found by code; `details` replaces the lines) and sets modify_date to now. */
  modifyDeliveries(changes: DeliveryChange[]): Delivery[];
  /** Adds orders created now (without a delivery), naming existing shop and sku codes. All or nothing. */
  addOrders(orders: NewOrderInput[]): Order[];
  /** Changes orders (found by code; `details` replaces the lines) and sets modifytime to now. */
  modifyOrders(changes: OrderChange[]): Order[];
  setFaults(faults: Partial<GuanyiFaults>): GuanyiFaults;
  resetStats(): void;
  /** Resolves to the base URL a connection uses: http://host:port/rest/erp_open. */
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export interface GuanyiDataset {
  shops?: number;
  items?: number;
  deliveries?: number;
  /** Default: the configured number (GuanyiSimOptions.orders). */
  orders?: number;
  seed?: number;
  moneyAsString?: boolean;
}
