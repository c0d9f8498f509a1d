export * from "./runs";
export * from "./staging";
export * from "./failed-records";
