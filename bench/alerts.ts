/**
 * `bun bench/alerts.ts`: CPU time the alert rules add per cycle at the default preset (five
 * indices, 14 expiries): reading the figures of a cycle and running one feed
 * with the built-in rules plus `extra` declared rules over it. Prints the mean over many
 * cycles of the same simulated cycle (the instant advanced by a minute each time).
 */
import * as v from "valibot";
import { createAlertFeed, alertStateFromCycle, type AlertRule } from "../src/alerts/index.ts";
import { alertRulesOf } from "../src/config/alerts.ts";
import { ConfigSchema } from "../src/config/schema.ts";
import { createApp } from "../src/app.ts";
import type { CycleResult, EngineStats } from "../src/contracts/index.ts";
import { instantClock, quietLog, tempDir } from "./support.ts";

const config = v.parse(ConfigSchema, { pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir("g6-bench-alerts-") } });
let last: { result: CycleResult; stats: EngineStats } | null = null;
const app = createApp(config, { log: quietLog, clock: instantClock, onCycle: (result, stats) => (last = { result, stats }) });
await app.run({ cycles: 2, signal: new AbortController().signal });
const { result, stats } = last!;
const extra: AlertRule[] = ["pcr_oi", "atm_iv", "implied_move", "coverage", "data_age_seconds"].map((watch, k) => ({
  name: `r${k}`,
  watch: watch as AlertRule["watch"],
  op: ">",
  threshold: 1e9,
  clear: null,
  for_cycles: 3,
  severity: "warn",
  cooldown_seconds: 0,
  index: null,
  expiry: null,
  sink: null,
}));
for (const [label, rules] of [["built-in rules", alertRulesOf(config)], ["built-in + 5 declared rules", [...alertRulesOf(config), ...extra]]] as const) {
  const feed = createAlertFeed({ rules });
  const n = 5000;
  for (let i = 0; i < 200; i++) feed.observe(alertStateFromCycle({ ...result, cycle: i, at: result.at + i * 60_000 }, stats));
  const t0 = process.cpuUsage();
  for (let i = 200; i < 200 + n; i++) feed.observe(alertStateFromCycle({ ...result, cycle: i, at: result.at + i * 60_000 }, stats));
  const cpu = process.cpuUsage(t0);
  console.log(`${label}: ${(((cpu.user + cpu.system) / n) / 1000).toFixed(3)} ms CPU per cycle (${result.expiries.length} expiries, ${result.indices.length} indices, ${Object.keys(stats.sinks).length} sinks)`);
}
