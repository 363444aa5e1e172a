/** The `process` group: the G6 process itself, read at scrape time. */
import { describe } from "../types.ts";

const m = describe("process");

export const PROCESS_METRICS = {
  cpu: m("counter", "g6_process_cpu_seconds_total", "User and system CPU time of the process."),
  resident: m("gauge", "g6_process_resident_memory_bytes", "Resident set size."),
  heap: m("gauge", "g6_process_heap_used_bytes", "JavaScript heap in use."),
  start: m("gauge", "g6_process_start_time_seconds", "Process start time, Unix seconds."),
} as const;
