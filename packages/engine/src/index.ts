export { executeRun, type RunOutcome } from "./execute-run";
export { silentLogger, type EngineContext, type Logger, type ConnectionRow } from "./context";
export type { MappingError } from "./hash";
export {
  normalizeRunOptions,
  runOptionsSchema,
  testRunOptionsSchema,
  retryRunOptionsSchema,
  TEST_RUN_LIMITS,
  type TestRunOptions,
  type RetryRunOptions,
} from "./options";
export type { TestRunResult, TestRunRecord } from "./test-run";
