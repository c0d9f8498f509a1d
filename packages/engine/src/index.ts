export { executeRun, failAbandonedRun, type RunOutcome } from "./execute-run";
export { silentLogger, type EngineContext, type Logger, type ConnectionRow } from "./context";
export type { MappingError } from "./hash";
export type { TestRunResult, TestRunRecord, TestRunWait } from "./test-run";
export { executeReconciliation, type ReconcileOutcome } from "./reconcile";
export { RecordBudget } from "./record-budget";
