/**
 * Where a cycle goes, phase by phase, inline and pooled:
 *   bun bench/profile.ts [--preset universe] [--warmup 3] [--cycles 8] [--rounds 1]
 * Runs the preset through the whole app (every default sink on) with the pool inline and auto,
 * alternating in one process, and reports per-cycle medians of each phase (spot, plan,
 * fetch = simulated quote generation, enrich = IV + Greeks + CSV row bodies, score), the
 * critical-path cycle time, the main thread's CPU per cycle (the cycle's serial work plus
 * emission), and, on the last batch, the single-thread costs of the parts a pooled cycle adds
 * or keeps on the main thread: making each shard's message (a copy of the range, or nothing
 * for a shared batch), the kernels per shard (the imbalance), merging what comes back.
 * A diagnostic, not gated; figures vary run to run on a shared machine.
 */
import { releaseBatch, retainBatch } from "../src/chain/batch-pool.ts";
import { threadBuffers } from "../src/chain/recycle.ts";
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { createApp } from "../src/app.ts";
import type { ChainBatch } from "../src/chain/batch.ts";
import { enrichGroups } from "../src/chain/enrich.ts";
import { ENRICH_INPUTS, mergeShard, planShards, sharedBatch, shardMessage } from "../src/chain/shard.ts";
import { loadConfig } from "../src/config/load.ts";
import { enrichParams } from "../src/engine/cycle.ts";
import { ENGINE_KERNELS, runJob, type EnrichJob } from "../src/engine/jobs.ts";
import { renderRowBodies } from "../src/g6csv/index.ts";
import { formatG6Timestamp } from "../src/market/index.ts";
import { benchConfig, instantClock, quietLog, tempDir } from "./support.ts";
import { mainThreadCpuMs, percentile } from "./stats.ts";

const { values } = parseArgs({
  options: {
    preset: { type: "string", default: "universe" },
    warmup: { type: "string", default: "3" },
    cycles: { type: "string", default: "8" },
    rounds: { type: "string", default: "1" },
    pools: { type: "string", default: "0,auto" },
  },
});

type Run = { pool: string; phases: Record<string, number>; cycleMs: number; betweenMs: number; mainCpuMs: number; shards: number; batch: ChainBatch };

async function runOnce(pool: string): Promise<Run> {
  const dataDir = tempDir("g6-profile-");
  const config = benchConfig(values.preset, { dataDir, pool });
  const warmup = Number(values.warmup);
  const cycles = Number(values.cycles);
  const phases: Record<string, number[]> = { spot: [], plan: [], fetch: [], enrich: [], score: [] };
  const cycleMs: number[] = [];
  const between: number[] = [];
  let n = 0;
  let cpuAtWarmup = 0;
  let lastEnd = 0;
  let shards = 0;
  let batch: ChainBatch | null = null;
  const app = createApp(config, {
    log: quietLog,
    clock: instantClock,
    onCycle: (result, stats) => {
      n++;
      const now = performance.now();
      // From the end of one cycle to the end of the next, less the next's critical path: hand-over and emission blocking.
      if (n > warmup + 1) between.push(now - lastEnd - stats.lastCycleMs);
      lastEnd = now;
      if (n === warmup) cpuAtWarmup = mainThreadCpuMs();
      if (n <= warmup) return;
      for (const k of Object.keys(phases)) phases[k]!.push(result.durations[k as keyof typeof result.durations]);
      cycleMs.push(stats.lastCycleMs);
      shards = result.compute.enrich.shards;
      // Only the last batch is kept (for the single-thread costs below): the others are reused.
      if (batch) releaseBatch(batch);
      retainBatch(result.batch);
      batch = result.batch;
    },
    keepsResults: false,
  });
  await app.run({ cycles: warmup + cycles, signal: new AbortController().signal });
  const mainCpuMs = (mainThreadCpuMs() - cpuAtWarmup) / cycles;
  rmSync(dataDir, { recursive: true, force: true });
  const med = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, percentile(v, 0.5)]));
  return { pool, phases: med, cycleMs: percentile(cycleMs, 0.5), betweenMs: percentile(between, 0.5), mainCpuMs, shards, batch: batch! };
}

const f = (x: number, d = 1) => x.toFixed(d).padStart(8);
const pools = values.pools.split(",");
let last: ChainBatch | null = null;
for (let round = 0; round < Number(values.rounds); round++) {
  for (const pool of pools) {
    const r = await runOnce(pool);
    last = r.batch;
    console.log(
      `${values.preset} pool=${pool.padEnd(4)} shards ${r.shards}  spot${f(r.phases.spot!)} plan${f(r.phases.plan!)} fetch${f(r.phases.fetch!)} enrich${f(r.phases.enrich!)} score${f(r.phases.score!)}  cycle${f(r.cycleMs)}  between${f(r.betweenMs)}  main cpu${f(r.mainCpuMs)} ms`,
    );
  }
}

// Single-thread costs on the last batch: what sharding adds on the main thread, and each shard's kernel.
const b = last!;
const sizes = Array.from({ length: b.groups }, (_, g) => b.end[g]! - b.start[g]!);
console.log(`\n${b.legs} legs in ${b.groups} groups; largest groups: ${[...sizes].sort((x, y) => y - x).slice(0, 6).join(", ")}`);
const params = enrichParams(loadConfig({ preset: values.preset }).config);
const render = formatG6Timestamp(Date.UTC(2026, 10, 20, 5, 0, 0));
const fields = [...ENRICH_INPUTS, "avg", "volume", "oi"] as const;
const time = (fn: () => void, reps = 3) => {
  let best = Infinity;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    best = Math.min(best, performance.now() - t0);
  }
  return best;
};
const tEnrich = time(() => enrichGroups(b, 0, b.groups, params));
// Rows rendered as the CSV sink has them: the recycled buffer given back after each render. Into
// fresh memory (nothing given back) the page faults of ~15 MB cost several times the rendering.
const tRender = time(() => {
  const rendered = renderRowBodies(b, 0, b.groups, render);
  threadBuffers.give([rendered.bytes.buffer as ArrayBuffer]);
});
const tRenderFresh = time(() => renderRowBodies(b, 0, b.groups, render));
console.log(`whole batch, one thread: enrich ${tEnrich.toFixed(1)} ms, render rows ${tRender.toFixed(1)} ms (${tRenderFresh.toFixed(1)} ms into fresh memory)`);
for (const ranges of [planShards(b, 2), planShards(b, 2, 1000)]) {
  const parts = ranges.map((r) => {
    let msg = shardMessage(b, r.g0, r.g1, fields);
    const tExtract = time(() => (msg = shardMessage(b, r.g0, r.g1, fields)));
    let out = runJob(({ kind: "enrich", batch: shardMessage(b, r.g0, r.g1, fields), params, render } as EnrichJob), ENGINE_KERNELS);
    const tKernel = time(() => (out = runJob(({ kind: "enrich", batch: shardMessage(b, r.g0, r.g1, fields), params, render } as EnrichJob), ENGINE_KERNELS)), 2) - tExtract;
    const tMerge = time(() => mergeShard(b, r, out));
    void msg;
    return `[${r.g0}..${r.g1}) ${r.legs} legs: message ${tExtract.toFixed(1)} kernel ${tKernel.toFixed(1)} merge ${tMerge.toFixed(1)} ms`;
  });
  console.log(`shards (${sharedBatch(b) ? "shared batch: computed in place" : "copied"}): ${parts.join(" | ")}`);
  break;
}
