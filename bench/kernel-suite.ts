/**
 * Kernel benchmarks: the IV solver and Greeks (bench/kernels/analytics.bench.ts), packing a
 * cycle's batch with simulated quotes, formatting a cycle's CSV rows, and parsing a Kite Connect
 * 500-key /quote response (bench/kernels/kite.bench.ts). Each reports one
 * figure in a named unit.
 */
import { enrichGroups } from "../src/chain/enrich.ts";
import { loadConfig } from "../src/config/load.ts";
import { enrichParams } from "../src/engine/cycle.ts";
import { threadBuffers } from "../src/chain/recycle.ts";
import { renderRowBodies } from "../src/g6csv/index.ts";
import { benchGreeks, benchIv } from "./kernels/analytics.bench.ts";
import { timeIt } from "./stats.ts";
import { quotedBatch } from "./support.ts";
import { benchFrame } from "./kernels/summary.bench.ts";
import { benchReplace } from "./kernels/replace.bench.ts";
import { benchKiteQuote } from "./kernels/kite.bench.ts";
import { benchTicker } from "./kernels/ticker.bench.ts";
import { benchTrader } from "./kernels/trader.bench.ts";

export type KernelResult = { name: string; value: number; unit: string };


/** The default workload's shape: 14 groups of 21 strikes (588 legs). */
const DEFAULT_SHAPE = Array.from({ length: 14 }, (_, g) => {
  const T = (1 + 7 * g) / 365;
  return { index: "NIFTY", tag: "this_week", expiry: "2026-11-23", spot: 24010, atm: 24000, T, df: Math.exp(-0.065 * T), strikes: Float64Array.from({ length: 21 }, (_, k) => 23500 + 50 * k) };
});

/** A universe-sized batch (about 105,000 legs, the `universe` preset's): 180 groups of 294 strikes. */
const UNIVERSE_SHAPE = Array.from({ length: 180 }, (_, g) => {
  const T = (1 + 2 * g) / 365;
  return { index: "NIFTY", tag: "this_week", expiry: "2026-11-23", spot: 24010, atm: 24000, T, df: Math.exp(-0.065 * T), strikes: Float64Array.from({ length: 294 }, (_, k) => 16700 + 50 * k) };
});

/**
 * Rendering a universe batch's CSV row bodies on one thread, ms per cycle, its buffer given back
 * after each render as the CSV sink does (a fresh 15 MB buffer a render would be timed otherwise).
 */
function benchUniverseRows(params: ReturnType<typeof enrichParams>, ms: number): KernelResult {
  const b = quotedBatch(UNIVERSE_SHAPE, 1);
  enrichGroups(b, 0, b.groups, params);
  const render = () => {
    const rendered = renderRowBodies(b, 0, b.groups, "20-11-2026 10:30:00");
    threadBuffers.give([rendered.bytes.buffer as ArrayBuffer]);
    return rendered.pairEnd;
  };
  const pairEnd = render();
  const rows = pairEnd.filter((end, i) => end > (i === 0 ? 0 : pairEnd[i - 1]!)).length;
  const us = timeIt(render, ms);
  return { name: "CSV rows format (universe)", value: us / 1000, unit: `ms per cycle (${b.legs} legs, ${rows} rows; ${(rows / us).toFixed(2)} M rows/s)` };
}

export function runKernels(quick: boolean): KernelResult[] {
  const ms = quick ? 200 : 1000;
  const params = enrichParams(loadConfig().config);
  const iv = benchIv(quick ? 100_000 : 400_000);
  const greeks = benchGreeks(quick ? 100_000 : 400_000);
  const packUs = timeIt(() => quotedBatch(DEFAULT_SHAPE, 1), ms);
  const enriched = quotedBatch(DEFAULT_SHAPE, 1);
  const enrichUs = timeIt(() => enrichGroups(enriched, 0, enriched.groups, params), ms);
  const replace = benchReplace(quick);
  const kite = benchKiteQuote(ms);
  const ticker = benchTicker(ms);
  const trader = benchTrader(DEFAULT_SHAPE, ms);
  const csvUs = timeIt(() => {
    const rendered = renderRowBodies(enriched, 0, enriched.groups, "20-11-2026 10:30:00");
    if (rendered.bytes.length === 0) throw new Error("no rows rendered");
  }, ms);
  return [
    { name: "IV solve", value: iv.solvesPerSecond / 1e6, unit: "million solves/s (1 core)" },
    { name: "IV max abs error", value: iv.maxAbsError, unit: "vol (round trip)" },
    { name: "Greeks", value: greeks.evaluationsPerSecond / 1e6, unit: "million legs/s (1 core)" },
    { name: "pack + sim quotes (588 legs)", value: packUs, unit: "µs per cycle" },
    { name: "enrich (588 legs)", value: enrichUs, unit: "µs per cycle" },
    { name: "CSV rows format (294 rows)", value: csvUs, unit: "µs per cycle" },
    benchUniverseRows(params, ms),
    { name: "trader analytics, window", value: trader.windowUs, unit: "µs per cycle (588 legs: aggregates, OI flow, build-up)" },
    { name: "trader analytics, chain", value: trader.chainUs, unit: `µs per cycle (588 + ${trader.chainLegs} chain legs)` },
    { name: "summary frame render", value: benchFrame(ms), unit: "µs per 160x50 frame" },
    { name: "status replace", value: replace.statusUs, unit: "µs p50 (write + rename)" },
    { name: "status replace + 2 fsyncs", value: replace.statusDurableUs, unit: "µs p50 (were it synced in the cycle)" },
    { name: "panels generation", value: replace.panelsUs, unit: "µs p50 (write/link, switch, remove old)" },
    { name: "panels generation + fsyncs", value: replace.panelsDurableUs, unit: "µs p50 (10 fsyncs, were they in the cycle)" },
    { name: "kite-quote-parse-500", value: kite.us, unit: `µs per response (${(kite.bytes / 1e3).toFixed(0)} KB: parse + map 500 legs)` },
    { name: "kite-quote-parse-500 rate", value: kite.mbPerSecond, unit: "MB/s (parse + map)" },
    { name: "kite-quote JSON.parse only", value: kite.parseUs, unit: "µs per response" },
    { name: "fsync, p95", value: replace.fsyncP95Us, unit: "µs (one file or directory)" },
    { name: "kite-ticker decode (full)", value: ticker.packetsPerSecond / 1e6, unit: `million packets/s (1 core; ${ticker.decodeMBps.toFixed(0)} MB/s)` },
    { name: "kite-ticker DataView scan", value: ticker.scanMBps, unit: "MB/s (same bytes, every u32 read: the bound)" },
    { name: "kite-ticker 9000 x 5/s", value: ticker.cpuAt45k * 100, unit: "% of a core (decoder only)" },
    { name: "kite-ticker table 9000", value: ticker.tableBytes / 1e6, unit: `MB typed arrays (${(ticker.heapBytes / 1e6).toFixed(2)} MB heap growth incl. token map)` },
    { name: "kite-ticker snapshot 9000", value: ticker.snapshotUs, unit: "µs per cycle (table -> batch)" },
  ];
}
