// The 金蝶云星空 (Kingdee K/3 Cloud) WebAPI simulator: see ../../README.md (金蝶) for what it
// implements, the accounts it accepts, its fault injection and its admin endpoints.
export { createKingdeeSimulator, type FormStats as KingdeeFormStats, type KingdeeSimStats, type KingdeeSimulator } from "./server";
export { FormRegistry as KingdeeForms, type Form as KingdeeForm } from "./forms";
export { NEGATIVE_STOCK_FLAG, STOCK_SHORTFALL, type StockLine as KingdeeStockLine } from "./stock";
export { CustomerStore, duplicateNumberMessage, type Customer } from "./customers";
export {
  DEFAULT_ACCOUNT as KINGDEE_DEFAULT_ACCOUNT,
  kingdeeOptionsFromEnv,
  type FaultKind as KingdeeFaultKind,
  type KingdeeFaults,
  type KingdeeSimAccount,
  type KingdeeSimOptions,
  type QueuedFault as KingdeeQueuedFault,
} from "./options";
