/**
 * g6 ingest end to end: a trading day of the default workload recorded from the simulator (375
 * instants, about 112,000 CSV rows) ingested by a real `g6 ingest` process into a local
 * VictoriaMetrics, several times, each into a fresh data directory (nothing is skipped as done),
 * the server keeping its data between runs (a re-ingest is an upsert). The figure is CSV rows read
 * per second of the process's wall time (start to exit: reading, cycles, spool, delivery, the
 * report), min / median / max over the runs, with the machine's load average at the start: the
 * server and the ingest share the cores. Skipped, with the reason, when victoria-metrics is not
 * installed. Reported, never gated.
 *
 *   bun bench/kernels/ingest.bench.ts [--quick] [--runs N] [--gzip]
 */
import { loadavg } from "node:os";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { tempDir } from "../support.ts";
import { startVm } from "./influx.bench.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

export type IngestFigure = { name: string; value: number; unit: string };

function g6(args: string[], env: Record<string, string> = {}) {
  const t0 = performance.now();
  const p = Bun.spawnSync([process.execPath, CLI, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`g6 ${args[0]} exited ${p.exitCode}: ${p.stderr.toString().slice(-2000)}`);
  return { seconds: (performance.now() - t0) / 1000, stdout: p.stdout.toString() };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function benchIngest(opts: { quick: boolean; runs?: number; gzip?: boolean }): Promise<IngestFigure[]> {
  const dir = tempDir("g6-bench-ingest-");
  try {
    const vm = await startVm(dir);
    if (!vm) return [{ name: "ingest into VictoriaMetrics", value: Number.NaN, unit: "not measured: victoria-metrics is not installed (scripts/test-deps.sh)" }];
    try {
      // The recorded day: the default workload, one cycle a minute from the open (quick: the first two hours).
      const cycles = opts.quick ? 120 : 375;
      const sim = join(dir, "sim.json");
      writeFileSync(sim, JSON.stringify({ server: { enabled: false }, storage: { panels: { enabled: false }, status: { enabled: false } } }));
      g6(["--cycles", String(cycles), "--interval", "0", "--data-dir", join(dir, "rec"), "--config", sim], { G6_PROVIDER__SIM__START: "2026-11-17T09:15", G6_PROVIDER__SIM__STEP_SECONDS: "60" });
      const cfg = join(dir, "ingest.json");
      const gzip = opts.gzip ?? false;
      writeFileSync(cfg, JSON.stringify({ server: { enabled: false }, storage: { influx: { enabled: true, url: vm.url, api: "v2", bucket: "g6", gzip } } }));
      const runs = opts.runs ?? (opts.quick ? 2 : 5);
      const load = loadavg()[0]!;
      const rates: number[] = [];
      let rows = 0;
      let lines = 0;
      for (let i = 0; i < runs; i++) {
        const r = g6(["ingest", join(dir, "rec", "g6_data"), "--config", cfg, "--data-dir", join(dir, `out${i}`), "--json"]);
        const report = JSON.parse(r.stdout) as { counts: { rowsRead: number; linesAccepted: number } };
        rows = report.counts.rowsRead;
        lines = report.counts.linesAccepted;
        rates.push(rows / r.seconds);
      }
      const unit = (x: string) => `thousand CSV rows/s ${x} (${runs} runs, ${rows} rows, ${lines} lines, gzip ${gzip ? "on" : "off"}, load ${load.toFixed(1)} at start)`;
      return [
        { name: "ingest, min", value: Math.min(...rates) / 1e3, unit: unit("min") },
        { name: "ingest, median", value: median(rates) / 1e3, unit: unit("median") },
        { name: "ingest, max", value: Math.max(...rates) / 1e3, unit: unit("max") },
      ];
    } finally {
      await vm.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, runs: { type: "string" }, gzip: { type: "boolean", default: false } } });
  const figures = await benchIngest({ quick: values.quick, runs: values.runs ? Number(values.runs) : undefined, gzip: values.gzip });
  for (const f of figures) console.log(`  ${f.name.padEnd(32)} ${f.value.toFixed(f.value < 10 ? 3 : 1).padStart(12)} ${f.unit}`);
}
