/**
 * g6 ingest: a trading day of the default workload recorded from the simulator (375 instants,
 * about 112,000 CSV rows), three figures, each over several runs (min / median / max), with the
 * machine's load average at the start. Reported, never gated.
 *
 * - G6 side: real `g6 ingest` processes into a loopback receiver in this process that speaks
 *   InfluxDB's /api/v2/write, counts the bytes and answers 204: CSV rows per second of process
 *   wall time (start to exit: reading, cycles, spool, delivery, the report) and the process's
 *   CPU-seconds (user + sys, every thread) for the day. The server costs nothing here.
 * - VictoriaMetrics' ceiling: the day's line protocol as the ingest sent it (the receiver keeps
 *   the request bodies), posted straight to a local VictoriaMetrics, 3 requests in flight as the
 *   ingest sends them: its wall time and its CPU-seconds (/proc/PID/stat, until its CPU settles),
 *   and the rows/s they imply on this machine with a client that cost nothing: rows over the
 *   posting's wall time, and rows over its CPU shared by all cores.
 * - End to end: `g6 ingest` into that VictoriaMetrics (fresh data directory each run, the server
 *   keeping its data: a re-ingest is an upsert), rows/s of process wall time, and both processes'
 *   CPU. Without victoria-metrics these two are printed as not measured, with the reason.
 *
 *   bun bench/kernels/ingest.bench.ts [--quick] [--runs N] [--gzip]
 */
import { availableParallelism, loadavg } from "node:os";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { tempDir } from "../support.ts";
import { startVm } from "./influx.bench.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

export type IngestFigure = { name: string; value: number; unit: string };

function g6Sync(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawnSync([process.execPath, CLI, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`g6 ${args[0]} exited ${p.exitCode}: ${p.stderr.toString().slice(-2000)}`);
}

/** A g6 process that does not block this one (the receiver answers meanwhile): wall seconds, CPU-seconds, stdout. */
async function g6(args: string[]) {
  const t0 = performance.now();
  const p = Bun.spawn([process.execPath, CLI, ...args], { env: { ...process.env, NO_COLOR: "1" }, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  const seconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`g6 ${args[0]} exited ${code}: ${stderr.slice(-2000)}`);
  const cpu = p.resourceUsage()?.cpuTime;
  return { seconds, cpu: cpu ? Number(cpu.user + cpu.system) / 1e6 : Number.NaN, stdout };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const spread = (name: string, xs: number[], unit: string): IngestFigure[] => [
  { name: `${name}, min`, value: Math.min(...xs), unit },
  { name: `${name}, median`, value: median(xs), unit },
  { name: `${name}, max`, value: Math.max(...xs), unit },
];

type Body = { path: string; body: Uint8Array; encoding: string | null };

/** A loopback InfluxDB write endpoint that keeps nothing but the bodies of one run (for the ceiling) and counts bytes. */
function startDiscard() {
  let keep: Body[] | null = null;
  let bytes = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname === "/health" || url.pathname === "/ping") return new Response("OK");
      if (url.pathname !== "/api/v2/write" && url.pathname !== "/write") return new Response("not found", { status: 404 });
      const body = new Uint8Array(await req.arrayBuffer());
      bytes += body.length;
      keep?.push({ path: url.pathname + url.search, body, encoding: req.headers.get("content-encoding") });
      return new Response(null, { status: 204 });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}`,
    /** Keeps the bodies from now on. */
    record: () => void (keep = []),
    bodies: () => keep ?? [],
    take: () => {
      const b = bytes;
      bytes = 0;
      return b;
    },
    stop: () => server.stop(true),
  };
}

const TICKS = (() => {
  const p = Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", stderr: "ignore" });
  return Number(p.stdout.toString().trim()) || 100;
})();

/** CPU-seconds (user + sys) a process has used so far. */
function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}

/** CPU-seconds of `pid` from `before` until it stops rising (sampled every 250 ms, at most 5 s). */
async function settledCpu(pid: number, before: number): Promise<number> {
  let last = cpuOf(pid);
  for (let i = 0; i < 20; i++) {
    await Bun.sleep(250);
    const now = cpuOf(pid);
    if (now === last) break;
    last = now;
  }
  return last - before;
}

/** Posts the bodies to `url` as they were sent, `inFlight` at a time; wall seconds. */
async function post(url: string, bodies: Body[], inFlight: number): Promise<number> {
  const t0 = performance.now();
  let next = 0;
  const lane = async () => {
    while (next < bodies.length) {
      const b = bodies[next++]!;
      const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8", ...(b.encoding ? { "content-encoding": b.encoding } : {}) };
      const r = await fetch(url + b.path, { method: "POST", body: b.body, headers });
      if (r.status !== 204) throw new Error(`VictoriaMetrics answered ${r.status}: ${(await r.text()).slice(0, 300)}`);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return (performance.now() - t0) / 1000;
}

export async function benchIngest(opts: { quick: boolean; runs?: number; gzip?: boolean }): Promise<IngestFigure[]> {
  const dir = tempDir("g6-bench-ingest-");
  const out: IngestFigure[] = [];
  const discard = startDiscard();
  try {
    // The recorded day: the default workload, one cycle a minute from the open (quick: the first two hours).
    const cycles = opts.quick ? 120 : 375;
    const sim = join(dir, "sim.json");
    writeFileSync(sim, JSON.stringify({ server: { enabled: false }, storage: { panels: { enabled: false }, status: { enabled: false } } }));
    g6Sync(["--cycles", String(cycles), "--interval", "0", "--data-dir", join(dir, "rec"), "--config", sim], { G6_PROVIDER__SIM__START: "2026-11-17T09:15", G6_PROVIDER__SIM__STEP_SECONDS: "60" });
    const gzip = opts.gzip ?? false;
    const configFor = (url: string, name: string) => {
      const cfg = join(dir, name);
      writeFileSync(cfg, JSON.stringify({ server: { enabled: false }, storage: { influx: { enabled: true, url, api: "v2", bucket: "g6", gzip } } }));
      return cfg;
    };
    const runs = opts.runs ?? (opts.quick ? 2 : 5);
    let rows = 0;
    let lines = 0;
    let run = 0;
    const ingest = async (cfg: string) => {
      const r = await g6(["ingest", join(dir, "rec", "g6_data"), "--config", cfg, "--data-dir", join(dir, `out${run++}`), "--json"]);
      const report = JSON.parse(r.stdout) as { counts: { rowsRead: number; linesAccepted: number } };
      rows = report.counts.rowsRead;
      lines = report.counts.linesAccepted;
      return r;
    };

    // G6 side: the receiver costs nothing.
    const free = configFor(discard.url, "discard.json");
    const load = loadavg()[0]!;
    const g6Rates: number[] = [];
    const g6Cpu: number[] = [];
    let bytes = 0;
    for (let i = 0; i < runs; i++) {
      if (i === runs - 1) discard.record();
      const r = await ingest(free);
      bytes = discard.take();
      g6Rates.push(rows / r.seconds / 1e3);
      g6Cpu.push(r.cpu);
    }
    const g6Note = (x: string) => `${x} (${runs} runs, ${rows} rows, ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB, gzip ${gzip ? "on" : "off"}, load ${load.toFixed(1)} at start)`;
    out.push(...spread("ingest G6 side", g6Rates, g6Note("thousand CSV rows/s, loopback receiver answering 204")));
    out.push(...spread("ingest G6 side CPU", g6Cpu, g6Note("CPU-seconds a day (user + sys)")));

    const vm = await startVm(dir);
    if (!vm) {
      const why = "not measured: victoria-metrics is not installed (scripts/test-deps.sh)";
      out.push({ name: "VictoriaMetrics ceiling", value: Number.NaN, unit: why }, { name: "ingest into VictoriaMetrics", value: Number.NaN, unit: why });
      return out;
    }
    try {
      // VictoriaMetrics' own ceiling: the same bodies posted with no client work.
      const bodies = discard.bodies();
      const cores = availableParallelism();
      const vmLoad = loadavg()[0]!;
      const vmWall: number[] = [];
      const vmCpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const before = cpuOf(vm.pid);
        vmWall.push(await post(vm.url, bodies, 3));
        vmCpu.push(await settledCpu(vm.pid, before));
      }
      const vmNote = (x: string) => `${x} (${runs} runs, ${bodies.length} requests, 3 in flight, load ${vmLoad.toFixed(1)} at start)`;
      out.push(...spread("VictoriaMetrics alone, wall", vmWall, vmNote("seconds to accept the day's line protocol")));
      out.push(...spread("VictoriaMetrics alone, CPU", vmCpu, vmNote("CPU-seconds a day")));
      out.push({ name: "VictoriaMetrics ceiling, wall", value: rows / median(vmWall) / 1e3, unit: vmNote("thousand rows/s: rows over its median wall time, a client that costs nothing") });
      out.push({ name: "VictoriaMetrics ceiling, CPU", value: rows / (median(vmCpu) / cores) / 1e3, unit: vmNote(`thousand rows/s: rows over its median CPU shared by ${cores} cores`) });
      out.push({ name: "G6 + VictoriaMetrics, CPU", value: rows / ((median(vmCpu) + median(g6Cpu)) / cores) / 1e3, unit: vmNote(`thousand rows/s: rows over both median CPUs shared by ${cores} cores`) });

      // End to end: g6 ingest into VictoriaMetrics.
      const cfg = configFor(vm.url, "ingest.json");
      const e2eLoad = loadavg()[0]!;
      const rates: number[] = [];
      const cpu: number[] = [];
      const serverCpu: number[] = [];
      for (let i = 0; i < runs; i++) {
        const before = cpuOf(vm.pid);
        const r = await ingest(cfg);
        rates.push(rows / r.seconds / 1e3);
        cpu.push(r.cpu);
        serverCpu.push(await settledCpu(vm.pid, before));
      }
      const note = (x: string) => `${x} (${runs} runs, ${rows} rows, ${lines} lines, gzip ${gzip ? "on" : "off"}, load ${e2eLoad.toFixed(1)} at start)`;
      out.push(...spread("ingest", rates, note("thousand CSV rows/s into VictoriaMetrics")));
      out.push({ name: "ingest CPU, median", value: median(cpu), unit: note("CPU-seconds a day of g6 ingest") });
      out.push({ name: "ingest server CPU, median", value: median(serverCpu), unit: note("CPU-seconds a day of VictoriaMetrics") });
      return out;
    } finally {
      await vm.stop();
    }
  } finally {
    discard.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { quick: { type: "boolean", default: false }, runs: { type: "string" }, gzip: { type: "boolean", default: false } } });
  const figures = await benchIngest({ quick: values.quick, runs: values.runs ? Number(values.runs) : undefined, gzip: values.gzip });
  for (const f of figures) console.log(`  ${f.name.padEnd(34)} ${f.value.toFixed(f.value < 10 ? 3 : 1).padStart(12)} ${f.unit}`);
}
