// The demo schemes the seed creates against the local simulators, runnable in order out of the box:
// 店铺→客户, 商品→物料, then 发货单→销售出库单 (whose customers and materials the first two write).
// Field keys are the connectors' metadata; a test in @qiao/connectors compiles each against it.
import type { SchemeDefinition, SourceNode, TargetNode } from "./scheme";
import { defaultRetryPolicy } from "./retry-policy";
import { DEFAULT_TIMEZONE } from "./template/timezone";

/** The demo schemes' and value map's names: the 出库单 scheme's lookups and map name them. */
export const DEMO_NAMES = {
  shops: "管易云店铺查询 → 金蝶客户新增",
  items: "管易云商品查询 → 金蝶物料新增",
  deliveries: "管易云发货单查询 → 金蝶销售出库单新增",
  warehouses: "仓库对照",
} as const;

/** 管易云 warehouse code → 金蝶 仓库 FNumber, for the simulators' warehouses (WH01–WH03, CK001–CK003). */
export const DEMO_VALUE_MAPS = [
  {
    name: DEMO_NAMES.warehouses,
    description: "管易云仓库代码 → 金蝶仓库编码（演示数据）",
    defaultValue: null,
    entries: [
      { source: "WH01", target: "CK001" },
      { source: "WH02", target: "CK002" },
      { source: "WH03", target: "CK003" },
    ],
  },
] as const;

export interface SeedConnections {
  sourceConnectionId: string;
  targetConnectionId: string;
}

/**
 * The start of a 管易云 time window. 管易云 refuses one bound without the other; before the first
 * completed read LAST_SYNC_TIME is empty and the connector sends 2000-01-01 00:00:00 for it.
 */
const FIRST_SYNC = "{{LAST_SYNC_TIME datetime}}";

function scheme(ids: SeedConnections, source: Omit<SourceNode["config"], "connectionId" | "platform">, target: Omit<TargetNode["config"], "connectionId" | "platform">): SchemeDefinition {
  return {
    version: 1,
    timezone: DEFAULT_TIMEZONE,
    schedule: null,
    retry: defaultRetryPolicy(),
    nodes: [
      { id: "source", type: "source", position: { x: 80, y: 160 }, config: { connectionId: ids.sourceConnectionId, platform: "guanyi", ...source } },
      { id: "target", type: "target", position: { x: 480, y: 160 }, config: { connectionId: ids.targetConnectionId, platform: "kingdee", ...target } },
    ],
    edges: [{ id: "source-target", source: "source", target: "target" }],
  };
}

/** The seed scheme: 管易云店铺查询 → 金蝶客户新增. */
export function seedSchemeDefinition(ids: SeedConnections): SchemeDefinition {
  return {
    version: 1,
    timezone: DEFAULT_TIMEZONE,
    schedule: null,
    retry: defaultRetryPolicy(),
    nodes: [
      {
        id: "source",
        type: "source",
        position: { x: 80, y: 160 },
        config: {
          connectionId: ids.sourceConnectionId,
          platform: "guanyi",
          api: "gy.erp.shop.get",
          params: {
            modify_end_date: "{{CURRENT_TIME datetime}}",
            page_size: "{{PAGINATION_PAGE_SIZE}}",
            page_no: "{{PAGINATION_START_PAGE}}",
          },
          pageSize: 50,
          idField: "id",
          listKey: "shops",
        },
      },
      {
        id: "target",
        type: "target",
        position: { x: 480, y: 160 },
        config: {
          connectionId: ids.targetConnectionId,
          platform: "kingdee",
          api: "batchSave",
          formId: "BD_Customer",
          options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false },
          batchSize: 100,
          mode: "create",
          audit: "withSave",
          entries: {},
          mapping: {
            FName: "{{name}}",
            FNumber: "{{code}}",
            FCreateOrgId: "100",
            FUseOrgId: "100",
            FDescription: "{{note}}",
          },
        },
      },
    ],
    edges: [{ id: "source-target", source: "source", target: "target" }],
  };
}

/** 管易云商品查询 → 金蝶物料新增: one material per item, numbered by the item code. */
export function seedItemsSchemeDefinition(ids: SeedConnections): SchemeDefinition {
  return scheme(
    ids,
    {
      api: "gy.erp.items.get",
      params: {
        start_date: FIRST_SYNC,
        end_date: "{{CURRENT_TIME datetime}}",
        page_size: "{{PAGINATION_PAGE_SIZE}}",
        page_no: "{{PAGINATION_START_PAGE}}",
      },
      pageSize: 50,
      idField: "code",
      listKey: "items",
    },
    {
      api: "batchSave",
      formId: "BD_MATERIAL",
      options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: false },
      batchSize: 100,
      mode: "create",
      audit: "withSave",
      entries: {},
      mapping: {
        FNumber: "{{code}}",
        FName: "{{name}}",
        FCreateOrgId: "100",
        FUseOrgId: "100",
        FDescription: "{{note}}",
        "SubHeadEntity.FErpClsID": "1",
        "SubHeadEntity.FBaseUnitId": "Pcs",
      },
    },
  );
}

/**
 * 管易云发货单查询 → 金蝶销售出库单新增, for shipped deliveries (`delivery` 1 = 发货成功), dated the day
 * they shipped: the bill number is the delivery's code (what makes a resend
 * findable), the customer the delivery's shop (written by 店铺→客户), one FEntity row per delivered
 * line with quantity (the material written by 商品→物料). The customer and material are lookups of
 * what those schemes wrote (a delivery whose shop or item is not written yet waits, 等待依赖), the
 * warehouse goes through the value map 仓库对照 (DEMO_VALUE_MAPS).
 * InterationFlags STK_InvCheckResult lets the demo audit without stock in the simulator.
 */
export function seedDeliveriesSchemeDefinition(
  ids: SeedConnections,
  names: { shops: string; items: string; warehouses: string } = DEMO_NAMES,
): SchemeDefinition {
  return scheme(
    ids,
    {
      api: "gy.erp.trade.deliverys.get",
      params: {
        start_modify_date: FIRST_SYNC,
        end_modify_date: "{{CURRENT_TIME datetime}}",
        // 发货成功 only: a 销售出库单 records goods that left the warehouse. A delivery still 未发货 (or
        // 发货失败, or 作废 before it shipped) makes none; shipping it stamps modify_date, so the
        // incremental window reads it then.
        delivery: "1",
        page_size: "{{PAGINATION_PAGE_SIZE}}",
        page_no: "{{PAGINATION_START_PAGE}}",
      },
      pageSize: 50,
      idField: "code",
      listKey: "deliverys",
    },
    {
      api: "batchSave",
      formId: "SAL_OUTSTOCK",
      options: { IsAutoSubmitAndAudit: true, IsVerifyBaseDataField: true, InterationFlags: "STK_InvCheckResult" },
      batchSize: 50,
      mode: "create",
      audit: "withSave",
      mapping: {
        FBillTypeID: "XSCKD01_SYS",
        FBillNo: "{{code}}",
        // 出库日期 is the day the goods shipped (the ship date lives in delivery_statusInfo, not at the top).
        FDate: "{{delivery_statusInfo.delivery_date date}}",
        FSaleOrgId: "100",
        FStockOrgId: "100",
        // 店铺→客户 keys its records by shop id: the delivery names the shop by code, so the key field is code.
        FCustomerID: `{{lookup('${names.shops}', shop_code, 'code')}}`,
        FCarriageNO: "{{express_no}}",
        FNote: "管易云 {{platform_code}}",
        "SubHeadEntity.FSettleCurrID": "PRE001",
      },
      entries: {
        FEntity: {
          from: "details",
          filter: "{{qty}}",
          mapping: {
            FMaterialID: `{{lookup('${names.items}', item_code)}}`,
            FUnitID: "Pcs",
            FMustQty: "{{qty}}",
            FRealQty: "{{qty}}",
            FTaxPrice: "{{price}}",
            FStockID: `{{$parent.warehouse_code | map('${names.warehouses}')}}`,
            FEntrynote: "{{trade_code}}",
          },
        },
      },
    },
  );
}

/** The demo schemes in the order they can run, with the names and descriptions the seed gives them. */
export const DEMO_SCHEMES: readonly {
  name: string;
  description: string;
  definition: (ids: SeedConnections) => SchemeDefinition;
  /** Names of the schemes it runs after (resolved to ids by the seed). */
  runAfter: readonly string[];
}[] = [
  {
    name: DEMO_NAMES.shops,
    description: "每隔几分钟把管易云的店铺同步为金蝶云星空的客户（客户新增，BD_Customer）。",
    definition: seedSchemeDefinition,
    runAfter: [],
  },
  {
    name: DEMO_NAMES.items,
    description: "把管易云的商品同步为金蝶云星空的物料（物料新增，BD_MATERIAL），编码为商品代码。",
    definition: seedItemsSchemeDefinition,
    runAfter: [],
  },
  {
    name: DEMO_NAMES.deliveries,
    description:
      "每张发货成功的管易云发货单成为一张金蝶销售出库单（SAL_OUTSTOCK），出库日期为发货日期：客户和物料用 lookup 取店铺、商品两个方案写入的编码（还没写入的单据等待依赖，写入后自动发送），仓库用值映射“仓库对照”；在店铺和商品两个方案成功运行后自动运行。",
    definition: seedDeliveriesSchemeDefinition,
    runAfter: [DEMO_NAMES.shops, DEMO_NAMES.items],
  },
];
