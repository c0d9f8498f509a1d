// The 管易云 simulator: a local server speaking shared/protocols/guanyi.md (and guanyi-documents.md)
// from the server's side.
export { GUANYI_ERROR_CODES } from "./api";
export { GUANYI_DEMO_TENANT, NO_FAULTS as GUANYI_NO_FAULTS, guanyiOptionsFromEnv, type GuanyiFaults, type GuanyiSimOptions, type GuanyiTenant } from "./options";
export {
  createGuanyiSimulator,
  GUANYI_API_PATH,
  type GuanyiDataset,
  type GuanyiSimState,
  type GuanyiSimStats,
  type GuanyiSimulator,
  type NewShop,
  type ShopChange,
} from "./server";
export { SHOP_TYPES, type Shop, type ShopFields } from "./shop-store";
export type { Item, Sku } from "./item-store";
export { WAREHOUSES, type Delivery, type DeliveryDetail, type DeliveryStatusInfo, type WarehouseCode } from "./delivery-types";
export type { DeliveryChange, DeliveryLineInput, ItemChange, NewDeliveryInput, NewItemInput } from "./document-admin";
export type { Order, OrderDelivery, OrderDetail, OrderPayment } from "./order-types";
export type { NewOrderInput, OrderChange } from "./order-admin";
