export * from "./failed-records";
export * from "./outcomes";
export * from "./runs";
export * from "./saved-bills";
export * from "./staging";
export * from "./write-protocol";
export * from "./value-maps";
export * from "./retries";
