/**
 * Where a cycle's CPU goes, thread by thread:
 *   bun bench/threads.ts [--preset universe] [--pool auto|0|N] [--warmup 40] [--cycles 30]
 * Runs the preset through the whole app (every default sink on, cycles back to back) and, over
 * the measured cycles, reads each thread's user and system CPU from /proc/self/task/<tid>/stat
 * (Linux). Prints the period (wall ms a cycle) and the CPU a cycle of every thread by name: `bun`
 * is the main thread; `Worker` threads are the pool's workers and the panels' writer thread (by
 * tid); JITWorker, HeapHelper and JSCWarmUp are the runtime's compiler and collector threads,
 * mi-scavenger its allocator's, `Bun Pool` its file threads (fsync). With the total, the pool's
 * bound on this machine follows: a period is at least total CPU / cores (docs/ARCHITECTURE.md,
 * "The pool's ceiling on 2 cores"). A diagnostic, not gated; figures vary run to run.
 */
import { readdirSync, rmSync } from "node:fs";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { createApp } from "../src/app.ts";
import { threadCpu } from "./stats.ts";
import { benchConfig, instantClock, quietLog, tempDir } from "./support.ts";

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "universe" },
    pool: { type: "string", default: "auto" },
    warmup: { type: "string", default: "40" },
    cycles: { type: "string", default: "30" },
  },
});

/** CPU ms so far of every thread of this process, by `tid name`, user and system apart. */
function allThreadsCpu(): Map<string, { user: number; system: number }> {
  const out = new Map<string, { user: number; system: number }>();
  for (const tid of readdirSync("/proc/self/task")) {
    const t = threadCpu(tid);
    if (t) out.set(`${tid} ${t.name}`, t); // null: the thread ended between the listing and the read
  }
  return out;
}

const warmup = Number(values.warmup);
const cycles = Number(values.cycles);
const dataDir = tempDir("g6-threads-");
const config = benchConfig(values.preset, { dataDir, pool: values.pool });
let n = 0;
let before = new Map<string, { user: number; system: number }>();
let t0 = 0;
let report = "";
const app = createApp(config, {
  log: quietLog,
  clock: instantClock,
  keepsResults: false,
  onCycle: () => {
    n++;
    if (n === warmup) {
      before = allThreadsCpu();
      t0 = performance.now();
    }
    if (n !== warmup + cycles) return;
    const period = (performance.now() - t0) / cycles;
    const rows: [string, number, number][] = [];
    for (const [k, now] of allThreadsCpu()) {
      const was = before.get(k) ?? { user: 0, system: 0 };
      const user = (now.user - was.user) / cycles;
      const system = (now.system - was.system) / cycles;
      if (user + system > 0) rows.push([k, user, system]);
    }
    rows.sort((a, b) => b[1] + b[2] - (a[1] + a[2]));
    const total = rows.reduce((s, r) => s + r[1] + r[2], 0);
    const cores = availableParallelism();
    report =
      `${values.preset} pool=${values.pool}: period ${period.toFixed(1)} ms, CPU ${total.toFixed(1)} ms a cycle over ${cycles} cycles ` +
      `(at least ${(total / cores).toFixed(1)} ms a period on ${cores} cores)\n` +
      rows.map(([k, u, s]) => `  ${k.padEnd(24)} ${(u + s).toFixed(1).padStart(7)} ms  (user ${u.toFixed(1)}, system ${s.toFixed(1)})`).join("\n");
  },
});
await app.run({ cycles: warmup + cycles, signal: new AbortController().signal });
rmSync(dataDir, { recursive: true, force: true });
console.log(report);
