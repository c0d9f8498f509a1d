export * from "./runs";
export * from "./staging";
