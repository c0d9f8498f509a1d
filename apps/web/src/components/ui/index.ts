// The few building blocks every page uses (one import for them: "@/components/ui").
export * from "./basics";
export * from "./dialog";
export * from "./form";
