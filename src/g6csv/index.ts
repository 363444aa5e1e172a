export * from "./format.ts";
export * from "./bytes.ts";
export * from "./rows.ts";
export * from "./read.ts";
