export * from "./connector-meta";
export * from "./template";
export * from "./scheme";
export * from "./compile";
export * from "./mapping";
export { validateCron, type CronCheck } from "./cron";
export * from "./roles";
export * from "./run-options";
export * from "./messages";
