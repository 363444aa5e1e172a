export * from "./ist.ts";
export * from "./indices.ts";
export * from "./calendar.ts";
export * from "./expiry.ts";
export * from "./ladder.ts";
export * from "./holidays.ts";
