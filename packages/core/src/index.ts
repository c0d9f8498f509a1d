export * from "./connector-meta";
