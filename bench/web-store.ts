/**
 * The web dashboard store's cost on the engine's main thread: each cycle's `observe` (copying
 * the chain out of the batch, the series points), timed per cycle beside the cycle's own time.
 *
 *   bun bench/web-store.ts [--preset universe] [--cycles 6]
 */
import { parseArgs } from "node:util";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/load.ts";
import { createSessionStore } from "../src/web/store.ts";
import { instantClock, quietLog, tempDir } from "./support.ts";

const { values } = parseArgs({ options: { preset: { type: "string", default: "universe" }, cycles: { type: "string", default: "6" } } });
const { config } = loadConfig({
  preset: values.preset,
  cli: [
    { path: "storage.data_dir", value: tempDir("g6-bench-store-"), flag: "bench" },
    { path: "interval", value: 0, flag: "bench" },
    { path: "pool.size", value: 0, flag: "bench" },
    { path: "provider.sim.start", value: "2026-11-20T09:15", flag: "bench" },
    { path: "storage.csv.enabled", value: false, flag: "bench" },
    { path: "server.enabled", value: false, flag: "bench" },
  ],
});
const store = createSessionStore(config.server.dashboard_points);
const app = createApp(config, {
  log: quietLog,
  clock: instantClock,
  onCycle: (r) => {
    const t0 = performance.now();
    store.observe(r);
    console.log(`cycle ${r.cycle}: ${r.batch.legs} legs, observe ${(performance.now() - t0).toFixed(1)} ms, cycle ${r.durations.total.toFixed(0)} ms`);
  },
});
await app.run({ cycles: Number(values.cycles), signal: new AbortController().signal });
