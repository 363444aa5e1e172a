export * from "./compute.ts";
export * from "./cycle.ts";
export * from "./errors.ts";
export * from "./provider.ts";
export * from "./sink.ts";
export * from "./stats.ts";
export * from "./market.ts";
