/**
 * Nothing is lost through an outage and a crash: a real `g6` (the simulator, 1 s cycles) writes
 * CSV files and InfluxDB lines into a real VictoriaMetrics (v2 write path, official client).
 * The server is stopped for a stretch of cycles, the engine killed with SIGKILL during the
 * outage, then g6 restarted while the server is still down, then the server restarted. Read back
 * through VictoriaMetrics' export API, every leg of every cycle in the CSV files is there exactly
 * once with the same price and OI, and nothing else is.
 */
import { afterAll, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fmt } from "../../src/g6csv/format.ts";
import { parseG6Timestamp } from "../../src/market/index.ts";
import { listFiles, readCsv, tempDir } from "../helpers/engine.ts";
import { startVictoriaMetrics } from "../helpers/influx-servers.ts";
import { spawnG6 } from "../helpers/process.ts";

const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

test("VictoriaMetrics down for a stretch, g6 killed with SIGKILL meanwhile, both restarted: every CSV leg lands exactly once with the same values", async () => {
  const dir = tempDir("g6-influx-e2e-");
  const vm = await startVictoriaMetrics(dir);
  stops.push(() => vm.stop());
  const data = join(dir, "out");
  const cfg = join(dir, "g6.json");
  writeFileSync(
    cfg,
    JSON.stringify({
      indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
      provider: { sim: { start: "2026-11-20T10:00", step_seconds: 60 } },
      server: { enabled: false },
      storage: {
        panels: { enabled: false },
        influx: { enabled: true, url: vm.url, api: "v2", bucket: "g6", timeout_ms: 1000 },
        delivery: { retry_base_ms: 50, retry_max_ms: 250 },
      },
    }),
  );
  const args = ["--interval", "1", "--pool", "0", "--data-dir", data, "--config", cfg];
  const env = { G6_LOG__LEVEL: "debug" };

  // Run 1: three cycles delivered, then the server goes away for three more; killed during the outage.
  const first = spawnG6(args, env);
  await first.waitFor(/cycle 3 ·/);
  await vm.stop();
  await first.waitFor(/degraded: .*no answer/);
  await first.waitFor(/cycle 6 ·/);
  // Mid-interval: cycle 6 is in the CSV files and in the spool.
  await Bun.sleep(400);
  const status = JSON.parse(readFileSync(join(data, "runtime_status.json"), "utf8"));
  expect(status.sinks.influx.failing).toEqual([]);
  expect(status.sinks.influx.degraded).toContain("no answer");
  expect(status.sinks.influx.spooled).toBeGreaterThanOrEqual(2);
  first.proc.kill("SIGKILL");
  expect(await first.exited()).toBe(137);

  // Run 2, later in the day, while the server is still down; then the server comes back.
  const second = spawnG6(args, { ...env, G6_PROVIDER__SIM__START: "2026-11-20T11:00" });
  await second.waitFor(/cycle 2 ·/);
  await vm.start();
  await second.waitFor(/spool delivered, caught up/, 30_000);
  await second.waitFor(/cycle 5 ·/);
  second.proc.kill("SIGTERM");
  expect(await second.exited()).toBe(0);

  // What the CSV files hold: per contract and instant, the price and OI of each side.
  type Leg = { price: string; oi: string };
  const expected = new Map<string, Leg>();
  const csvDir = join(data, "g6_data");
  for (const rel of listFiles(csvDir).filter((f) => !f.startsWith("overview/") && f.endsWith(".csv"))) {
    for (const row of readCsv(join(csvDir, rel)).rows) {
      const at = parseG6Timestamp(row.timestamp!);
      for (const side of ["ce", "pe"] as const) {
        if (row[side] === "") continue;
        expected.set(`${row.index} ${row.expiry_date} ${row.strike} ${side.toUpperCase()} ${at}`, { price: row[side]!, oi: row[`${side}_oi`]! });
      }
    }
  }
  const instants = new Set([...expected.keys()].map((k) => k.split(" ")[4]));
  // Both runs' cycles are there: 10:00–10:05 (or more) and 11:00 on.
  expect(instants.size).toBeGreaterThanOrEqual(10);

  // What VictoriaMetrics holds.
  const got = new Map<string, { price?: number[]; oi?: number[] }>();
  for (const s of await vm.exportLines('{__name__=~"option_data_(price|oi)"}')) {
    const field = s.metric.__name__ === "option_data_price" ? "price" : "oi";
    s.timestamps.forEach((t, i) => {
      const key = `${s.metric.index} ${s.metric.expiry} ${s.metric.strike} ${s.metric.type} ${t}`;
      const entry = got.get(key) ?? {};
      (entry[field] ??= []).push(s.values[i]!);
      got.set(key, entry);
    });
  }
  const missing = [...expected.keys()].filter((k) => !got.has(k));
  expect(missing).toEqual([]);
  const extra = [...got.keys()].filter((k) => got.get(k)!.price && !expected.has(k));
  expect(extra).toEqual([]);
  for (const [key, leg] of expected) {
    const g = got.get(key)!;
    expect({ key, price: g.price!.map((x) => fmt(x, 2)), oi: (g.oi ?? []).map((x) => fmt(x, 0)) }).toEqual({ key, price: [leg.price], oi: leg.oi === "" ? [] : [leg.oi] });
  }
}, 90_000);
