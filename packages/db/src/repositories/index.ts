export * from "./failed-records";
export * from "./lookup-schemes";
export * from "./outcomes";
export * from "./runs";
export * from "./saved-bills";
export * from "./staging";
export * from "./write-protocol";
export * from "./value-maps";
