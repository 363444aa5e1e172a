/**
 * Trader analytics of a cycle: the whole-chain aggregates (analytics.scope "chain"), OI change and
 * build-up per strike, and IV rank / percentile, written into the cycle's expiry summaries.
 *
 * The engine keeps one TraderAnalytics per run (the strike flow tracker and the ATM IV history
 * are state across cycles); `runCycle` calls `applyTraderAnalytics` after scoring. The latest
 * cycle's per-strike flow is `CycleResult.flows` (read it with `strikeFlowOf`).
 */
import { ivPercentile, ivRank } from "../analytics/index.ts";
import type { ChainBatch } from "../chain/batch.ts";
import { chainSkew25 } from "../chain/chain-skew.ts";
import { strikeColumns, strikeCount } from "../chain/chain-legs.ts";
import type { ExpirySummary } from "../chain/score.ts";
import { createStrikeFlowTracker, expiryFlow, type FlowSettings, type StrikeFlow, type StrikeFlowTracker } from "../chain/strike-flow.ts";
import { scopeAggregates } from "../chain/trader.ts";
import type { G6Config } from "../config/schema.ts";
import { isAbsolute, join } from "node:path";
import { enrichParams } from "./enrich-params.ts";
import { createIvHistory, type IvHistory } from "./iv-history.ts";

/**
 * Expiries with at least this many strikes keep their strike columns and flow in recycled memory
 * (src/chain/strike-flow.ts). Below it fresh arrays are cheap (small, short-lived) and views of a
 * recycled buffer saved nothing measurable (the trader kernel's 21-strike window case).
 */
const RECYCLED_MIN_STRIKES = 64;

export type TraderAnalytics = { flows: StrikeFlowTracker; ivHistory: IvHistory };

/** The run's trader analytics state: a strike flow tracker and the ATM IV history of the CSV tree the run writes. */
export function createTraderAnalytics(config: Readonly<G6Config>, ivHistory?: IvHistory): TraderAnalytics {
  const csv = config.storage.csv;
  // The CSV sink's rule (storage.csv.dir under storage.data_dir unless absolute); the engine does not import a sink.
  const base = isAbsolute(csv.dir) ? csv.dir : join(config.storage.data_dir, csv.dir);
  return { flows: createStrikeFlowTracker(), ivHistory: ivHistory ?? createIvHistory(base, csv.layout) };
}

export function flowSettings(config: Readonly<G6Config>): FlowSettings {
  const a = config.analytics;
  return {
    lookbackMinutes: a.oi_change.lookback_minutes,
    topN: a.oi_change.top_n,
    oiThresholdPct: a.buildup.oi_threshold_pct,
    priceThresholdPct: a.buildup.price_threshold_pct,
  };
}

/**
 * Fills the trader figures of `expiries` (group g of `batch` is expiry summary with group g) in
 * place. `chain`: the chain legs outside the ladder (null: window scope, or not fetched this
 * cycle); `chainGroups`: which groups have their listing in `chain` (the others stay on the
 * window, flagged by their scope). `state` absent: no history figures. Returns the strike flows.
 */
export function applyTraderAnalytics(
  config: Readonly<G6Config>,
  state: TraderAnalytics | undefined,
  batch: ChainBatch,
  chain: ChainBatch | null,
  chainGroups: ReadonlySet<number>,
  expiries: ExpirySummary[],
  at: number,
  date: string,
): StrikeFlow[] {
  const flows: StrikeFlow[] = [];
  const settings = flowSettings(config);
  const params = enrichParams(config);
  const iv = config.analytics.iv_rank;
  // Universe mode collects every listed strike: its batch is the chain.
  const universe = config.collection_mode === "universe";
  for (const e of expiries) {
    const g = e.group;
    const inChain = chain !== null && chainGroups.has(g);
    const merged = inChain ? chain : null;
    // With a tracker the columns are kept as its snapshot: a long expiry's go into its recycled
    // memory; a short one's are fresh (small arrays cost less fresh than as views of a buffer).
    const n = strikeCount(batch, g, merged);
    const cols = strikeColumns(batch, g, merged, state && n >= RECYCLED_MIN_STRIKES ? state.flows.reserve(e, n) : undefined);
    if (inChain) {
      Object.assign(e, scopeAggregates(cols, e.spot, "chain"));
      // The ladder's smile misses the 25-delta points (a far expiry's): the chain's OTM legs complete it.
      if (!Number.isFinite(e.rr25) || !Number.isFinite(e.bf25)) {
        const skew = chainSkew25(batch, chain, g, params, e.atmIv);
        e.rr25 = skew.rr25;
        e.bf25 = skew.bf25;
      }
    }
    else if (universe) e.scope = "chain";
    if (!state) continue;
    const flow = state.flows.update({ index: e.index, tag: e.tag, expiry: e.expiry }, cols, at, date, settings);
    flows.push(flow);
    Object.assign(e, expiryFlow(flow, settings.topN));
    const closes = state.ivHistory.closes(e.index, e.tag, date, iv.sessions);
    e.ivSessions = closes.length;
    e.ivRank = ivRank(e.atmIv, closes, iv.min_sessions);
    e.ivPercentile = ivPercentile(e.atmIv, closes, iv.min_sessions);
  }
  return flows;
}
