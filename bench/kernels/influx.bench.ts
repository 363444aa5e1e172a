/**
 * InfluxDB sink figures: lines rendered per second and CPU per cycle at the default and universe
 * presets (one real cycle of each, rendered repeatedly), the spool's append + fdatasync per cycle,
 * and, when VictoriaMetrics is installed, the catch-up rate after an outage (a spool of default
 * cycles delivered through the v2 client) and the sink's whole CPU per cycle with it on (render,
 * spool append, deliver, acknowledge). Reported, never gated (disk and server dependent).
 *
 *   bun bench/kernels/influx.bench.ts [--quick]
 */
import { rmSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { CycleResult } from "../../src/contracts/index.ts";
import { cycleLines, encodeCycle } from "../../src/sinks/influx/lines.ts";
import { createInfluxSink } from "../../src/sinks/influx/sink.ts";
import { createDiskSpool } from "../../src/sinks/spool/disk-spool.ts";
import { percentile } from "../stats.ts";
import { instantClock, quietLog, tempDir } from "../support.ts";

export type InfluxFigure = { name: string; value: number; unit: string };

/** One real cycle of `preset` (simulator, inline, no sinks). */
export async function cycleOf(preset: string): Promise<CycleResult> {
  const dir = tempDir("g6-bench-influx-");
  const { config } = loadConfig({
    preset,
    cli: [
      { path: "storage.data_dir", value: dir, flag: "bench" },
      { path: "interval", value: 0, flag: "bench" },
      { path: "pool.size", value: 0, flag: "bench" },
      { path: "provider.sim.start", value: "2026-11-20T10:15", flag: "bench" },
      { path: "storage.csv.enabled", value: false, flag: "bench" },
      { path: "storage.status.enabled", value: false, flag: "bench" },
      { path: "storage.panels.enabled", value: false, flag: "bench" },
    ],
  });
  let result: CycleResult | null = null;
  const app = createApp(config, { log: quietLog, clock: instantClock, onCycle: (r) => (result = r) });
  await app.run({ cycles: 1, signal: new AbortController().signal });
  rmSync(dir, { recursive: true, force: true });
  return result!;
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Renders `result` repeatedly; lines per second and CPU ms per cycle. */
function render(result: CycleResult, rounds: number): { lines: number; linesPerSecond: number; cpuMsPerCycle: number; bytes: number } {
  const lines = cycleLines(result).length;
  let bytes = 0;
  encodeCycle(result);
  const c0 = cpuMs();
  const t0 = performance.now();
  for (let i = 0; i < rounds; i++) bytes = encodeCycle(result).length;
  const wall = performance.now() - t0;
  const cpu = cpuMs() - c0;
  return { lines, linesPerSecond: (lines * rounds) / (wall / 1000), cpuMsPerCycle: cpu / rounds, bytes };
}

/** A VictoriaMetrics on a free port, or null when it is not installed. */
export async function startVm(dir: string): Promise<{ url: string; pid: number; stop(): Promise<void> } | null> {
  const bin = Bun.which("victoria-metrics");
  if (!bin) return null;
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = probe.port!;
  probe.stop(true);
  const proc = Bun.spawn([bin, `-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, "vm")}`, "-retentionPeriod=100y", "-dedup.minScrapeInterval=1ms", "-loggerLevel=ERROR"], { stdout: "ignore", stderr: "ignore" });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/health`)).ok) break;
    } catch {
      await Bun.sleep(50);
    }
  }
  return {
    url,
    pid: proc.pid,
    stop: async () => {
      proc.kill();
      await proc.exited;
    },
  };
}

export async function benchInflux(quick: boolean): Promise<InfluxFigure[]> {
  const out: InfluxFigure[] = [];
  const def = await cycleOf("default");
  const d = render(def, quick ? 50 : 300);
  out.push({ name: "influx render, default", value: d.linesPerSecond / 1e6, unit: `million lines/s (${d.lines} lines, ${(d.bytes / 1e3).toFixed(0)} KB a cycle)` });
  out.push({ name: "influx render CPU, default", value: d.cpuMsPerCycle, unit: "ms per cycle" });
  const uni = await cycleOf("universe");
  const u = render(uni, quick ? 3 : 10);
  out.push({ name: "influx render, universe", value: u.linesPerSecond / 1e6, unit: `million lines/s (${u.lines} lines, ${(u.bytes / 1e6).toFixed(1)} MB a cycle)` });
  out.push({ name: "influx render CPU, universe", value: u.cpuMsPerCycle, unit: "ms per cycle" });

  const dir = tempDir("g6-bench-spool-");
  const payload = encodeCycle(def);
  const spool = createDiskSpool({ dir: join(dir, "spool"), maxBytes: 1 << 30, whenFull: "drop_oldest" });
  const appends: number[] = [];
  const n = quick ? 50 : 200;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await spool.append(payload);
    appends.push((performance.now() - t0) * 1000);
  }
  out.push({ name: "spool append + fdatasync", value: percentile(appends, 0.5), unit: `µs p50 per default cycle (p95 ${percentile(appends, 0.95).toFixed(0)} µs)` });

  const vm = await startVm(dir);
  if (vm) {
    const sink = createInfluxSink({
      url: vm.url,
      api: "v2",
      org: "",
      bucket: "g6",
      database: "g6",
      retentionPolicy: "",
      token: null,
      username: null,
      password: null,
      timeoutMs: 30_000,
      gzip: true,
      batchLines: 5000,
      deadLetterFile: join(dir, "dead.lp"),
    });
    // Catch-up: the spool of n default cycles delivered oldest first, each acknowledged.
    let lines = 0;
    const c0 = cpuMs();
    const t0 = performance.now();
    for (let p = await spool.oldest(); p; p = await spool.oldest()) {
      lines += (await sink.deliver(p)).rows;
      await spool.ack();
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuPerCycle = (cpuMs() - c0) / n;
    out.push({ name: "catch-up into VictoriaMetrics", value: lines / seconds / 1e3, unit: `thousand lines/s (${n} cycles spooled, v2 client, gzip)` });
    // The sink's share of a default cycle: render + append + deliver + ack.
    const c1 = cpuMs();
    const rounds = quick ? 20 : 60;
    for (let i = 0; i < rounds; i++) {
      await spool.append(encodeCycle(def));
      await sink.deliver((await spool.oldest())!);
      await spool.ack();
    }
    out.push({ name: "influx sink CPU, default", value: (cpuMs() - c1) / rounds, unit: `ms per cycle (render, spool, deliver, ack; delivery alone ${cpuPerCycle.toFixed(2)} ms)` });
    await vm.stop();
  } else {
    out.push({ name: "catch-up into VictoriaMetrics", value: Number.NaN, unit: "not measured: victoria-metrics is not installed (scripts/test-deps.sh)" });
  }
  await spool.close();
  rmSync(dir, { recursive: true, force: true });
  return out;
}

if (import.meta.main) {
  for (const f of await benchInflux(process.argv.includes("--quick"))) console.log(`  ${f.name.padEnd(32)} ${f.value.toFixed(f.value < 10 ? 3 : 0).padStart(12)} ${f.unit}`);
}
