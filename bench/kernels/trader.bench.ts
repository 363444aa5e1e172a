/**
 * The trader analytics kernel: one cycle's whole-chain aggregates, strike flow (OI change,
 * build-up, top N) and expiry figures on the default workload's shape (14 expiries, 21 ladder
 * strikes each) with each expiry's chain legs outside the ladder (the simulator lists
 * spot·(1 ± 0.15): about 140 more strikes an expiry at NIFTY's step). IV history is stubbed
 * (its file reads happen once a day, not per cycle).
 */
import type { GroupSpec } from "../../src/chain/batch.ts";
import { createChainLegs } from "../../src/chain/chain-legs.ts";
import { scoreGroup } from "../../src/chain/score.ts";
import { releaseFlow, type StrikeFlow } from "../../src/chain/strike-flow.ts";
import { loadConfig } from "../../src/config/load.ts";
import { applyTraderAnalytics, createTraderAnalytics } from "../../src/engine/trader-analytics.ts";
import { timeIt } from "../stats.ts";
import { quotedBatch } from "../support.ts";

/** Mean µs per cycle of the trader analytics, with (chain) and without (window) the chain legs. */
export function benchTrader(groups: readonly GroupSpec[], ms: number): { chainUs: number; windowUs: number; chainLegs: number } {
  const { config } = loadConfig();
  // One expiry per group (the tracker keys its state by index and expiry).
  const shape = groups.map((g, k) => ({ ...g, expiry: `2026-12-${String(k + 1).padStart(2, "0")}` }));
  const ladder = quotedBatch(shape, 1);
  const listed = new Map<string, Float64Array>();
  shape.forEach((g) => listed.set(`${g.index}|${g.expiry}`, Float64Array.from({ length: 161 }, (_, k) => 20_000 + 50 * k)));
  const chainSpecs = createChainLegs(shape, listed);
  const chain = quotedBatch(
    Array.from({ length: chainSpecs.groups }, (_, g) => ({ ...shape[g]!, strikes: chainSpecs.strike.filter((_, i) => chainSpecs.group[i] === g && chainSpecs.isCall[i] === 1) })),
    1,
  );
  const inChain = new Set(shape.map((_, g) => g));
  const noHistory = { closes: () => [] };
  const run = (withChain: boolean) => {
    const state = createTraderAnalytics(config, noHistory);
    let at = Date.UTC(2026, 10, 20, 4, 0);
    // As the engine does: the previous cycle's flows are given back when the next is published.
    let previous: StrikeFlow[] = [];
    return timeIt(() => {
      const expiries = Array.from({ length: ladder.groups }, (_, g) => scoreGroup(ladder, g));
      at += 60_000;
      const flows = applyTraderAnalytics(config, state, ladder, withChain ? chain : null, inChain, expiries, at, "2026-11-20");
      for (const f of previous) releaseFlow(f);
      previous = flows;
    }, ms);
  };
  // The same loop without the analytics (scoring as the cycle does it), subtracted; each figure
  // is the best of three (a single base measured apart from the runs could exceed the window run).
  const base = () =>
    timeIt(() => {
      const expiries = Array.from({ length: ladder.groups }, (_, g) => scoreGroup(ladder, g));
      if (expiries.length !== ladder.groups) throw new Error("scoring lost an expiry");
    }, ms);
  const best = (fn: () => number) => Math.min(fn(), fn(), fn());
  const baseUs = best(base);
  return { chainUs: best(() => run(true)) - baseUs, windowUs: best(() => run(false)) - baseUs, chainLegs: chain.legs };
}
