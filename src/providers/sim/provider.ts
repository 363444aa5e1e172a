/**
 * The simulated market provider: deterministic from a seed, it implements the same Provider
 * contract as the network providers. Spot follows a seeded random walk per index and day;
 * listed expiries come from the calendar rules in config; quotes come from `simulateQuotes`.
 */
import type { ChainBatch } from "../../chain/batch.ts";
import type { G6Config } from "../../config/schema.ts";
import {
  atmStrike,
  dayNumber,
  exchangeOfIndex,
  generateExpiries,
  INDICES,
  istDate,
  type Exchange,
  type IndexName,
  type MarketCalendar,
} from "../../market/index.ts";
import { QUOTE_INPUTS, shardMessage, type ArrayMap } from "../../chain/shard.ts";
import type { SimulateJob } from "./kernel.ts";
import { simulateQuotes, type SimGroupInputs } from "./model.ts";
import { createRng, hashInts, hashUnit } from "./random.ts";
import { type ComputePort, type Instrument, type LegRange, type Provider, ProviderError, type QuoteReport, type SpotQuote } from "../../contracts/index.ts";

/** Relative option activity per index (NIFTY = 1); scales simulated volume and OI. */
const ACTIVITY: Record<IndexName, number> = { NIFTY: 1, BANKNIFTY: 0.35, FINNIFTY: 0.06, MIDCPNIFTY: 0.05, SENSEX: 0.5 };
/** Trading time of one session as a fraction of a 252-day year, per millisecond. */
const SESSION_MS = 6.25 * 3600 * 1000;

type IndexDay = {
  date: string;
  open: number;
  high: number;
  low: number;
  prevClose: number;
  last: number;
  lastAt: number;
  baseVol: number;
  rng: ReturnType<typeof createRng>;
};

export type SimProviderOptions = {
  config: Readonly<G6Config>;
  /** Sessions (open, close, trading days). */
  calendar: MarketCalendar;
  /** Per-exchange calendars the expiry listings roll on (an index's options exchange); default `calendar`. */
  calendars?: Readonly<Partial<Record<Exchange, MarketCalendar>>>;
  /** Waits `ms` (injected so tests need not sleep). */
  sleep?: (ms: number) => Promise<void>;
  /** Where quote generation (CPU work) runs when it pays; absent: inline. */
  compute?: ComputePort;
};

/** Creates the simulated provider. All state lives in the returned object. */
export function createSimProvider(opts: SimProviderOptions): Provider & { baseVol(index: string, date: string): number } {
  const { config, calendar } = opts;
  const sim = config.provider.sim;
  const sleep = opts.sleep ?? ((ms: number) => Bun.sleep(ms));
  const days = new Map<string, IndexDay>();
  const expiryCache = new Map<string, string[]>();

  const indexSpec = (index: string) => {
    const spec = INDICES[index as IndexName];
    if (!spec) throw new ProviderError("bad_data", `simulator: unknown index ${index}`);
    return spec;
  };
  const indexNumber = (index: string) => Object.keys(INDICES).indexOf(index);
  const baseVol = (index: string, date: string) =>
    indexSpec(index).annualVol * (0.85 + 0.3 * hashUnit(sim.seed, indexNumber(index), dayNumber(date), 11));

  /** The index's state for session `date`, derived from the previous session's close. */
  function dayOf(index: string, date: string): IndexDay {
    const current = days.get(index);
    if (current && current.date === date) return current;
    const spec = indexSpec(index);
    const rng = createRng(hashInts(sim.seed, indexNumber(index), dayNumber(date)));
    const prevClose = current ? current.last : spec.referenceLevel * Math.exp(0.03 * rng.normal());
    const open = prevClose * Math.exp(0.004 * rng.normal());
    const day: IndexDay = {
      date,
      open,
      high: open,
      low: open,
      prevClose,
      last: open,
      lastAt: calendar.sessionOpen(date),
      baseVol: baseVol(index, date),
      rng,
    };
    days.set(index, day);
    return day;
  }

  return {
    name: "sim",
    baseVol,
    async open() {},
    async close() {},
    async listExpiries(index, today) {
      const key = `${index}@${today}`;
      let listed = expiryCache.get(key);
      if (!listed) {
        const rule = config.indices[index as IndexName];
        if (!rule) throw new ProviderError("bad_data", `simulator: unknown index ${index}`);
        const rolls = opts.calendars?.[exchangeOfIndex(index)] ?? calendar;
        listed = generateExpiries({ weekday: rule.expiry_weekday, weekly: rule.weekly }, rolls, today, {
          weeks: sim.listed_weeks,
          months: sim.listed_months,
        });
        expiryCache.set(key, listed);
      }
      return listed;
    },
    async instruments(index, expiry) {
      const spec = indexSpec(index);
      const day = days.get(index);
      if (!day) throw new ProviderError("bad_data", `simulator: instruments for ${index} requested before its spot`);
      const lo = atmStrike(day.open * (1 - sim.strike_range), spec.strikeStep);
      const hi = atmStrike(day.open * (1 + sim.strike_range), spec.strikeStep);
      const out: Instrument[] = [];
      const yymmdd = expiry.slice(2).replaceAll("-", "");
      for (let k = lo; k <= hi; k += spec.strikeStep) {
        for (const isCall of [true, false]) {
          out.push({
            token: hashInts(indexNumber(index), dayNumber(expiry), k, isCall ? 1 : 2),
            symbol: `${index}${yymmdd}${k}${isCall ? "CE" : "PE"}`,
            index,
            expiry,
            strike: k,
            isCall,
            lotSize: spec.lotSize,
          });
        }
      }
      return out;
    },
    async spot(indices, at) {
      const date = istDate(at);
      const out: SpotQuote[] = [];
      for (const index of indices) {
        // An index the simulator has no model for cannot be quoted: it is left out (contract).
        if (!(index in INDICES)) continue;
        const day = dayOf(index, date);
        if (at > day.lastAt) {
          const vol = day.baseVol;
          const dt = (at - day.lastAt) / SESSION_MS / 252;
          day.last *= Math.exp(vol * Math.sqrt(dt) * day.rng.normal() - 0.5 * vol * vol * dt);
          day.lastAt = at;
          day.high = Math.max(day.high, day.last);
          day.low = Math.min(day.low, day.last);
        }
        out.push({ index, last: day.last, open: day.open, high: day.high, low: day.low, prevClose: day.prevClose, time: at });
      }
      return out;
    },
    async quotes(batch: ChainBatch, at: number, range?: LegRange): Promise<QuoteReport> {
      if (sim.faults.latency_ms > 0) await sleep(sim.faults.latency_ms);
      const date = istDate(at);
      const inputs = simGroupInputs(batch, (index) => dayOf(index, date), sim.strike_range, indexNumber);
      const params = {
        seed: sim.seed,
        r: config.risk_free_rate,
        tick: config.analytics.tick,
        at,
        sessionOpen: calendar.sessionOpen(date),
        sessionClose: calendar.sessionClose(date),
        missingRate: sim.faults.missing_rate,
        zeroPriceRate: sim.faults.zero_price_rate,
        staleRate: sim.faults.stale_rate,
      };
      const port = opts.compute;
      const lo = Math.max(0, range?.start ?? 0);
      const hi = Math.min(batch.legs, range?.end ?? batch.legs);
      const whole = lo === 0 && hi === batch.legs;
      // A part of the batch (a chunk) is generated inline: shards are whole groups.
      if (whole && port?.worthSharding(batch, SIMULATE_LEG_COST)) {
        const compute = await port.runSharded(batch, (r): SimulateJob => {
          // A shared batch is quoted in place: the job reads the inputs by the batch's own group numbers (all groups').
          const message = shardMessage(batch, r.g0, r.g1, QUOTE_INPUTS);
          return { kind: "simulate", batch: message, params, inputs: message.range ? sliceInputs(inputs, 0, batch.groups) : sliceInputs(inputs, r.g0, r.g1) };
        });
        let returned = 0;
        for (let i = 0; i < batch.legs; i++) if (!Number.isNaN(batch.quoteTime[i]!)) returned++;
        return { returned, requests: compute.shards, compute };
      }
      if (lo >= hi) return { returned: 0, requests: 0 };
      const returned = simulateQuotes(batch, batch.group[lo]!, batch.group[hi - 1]! + 1, inputs, params, lo, hi);
      return { returned, requests: 1 };
    },
  };
}

/**
 * Simulated quote generation's work per leg relative to enrichment with row rendering (the unit
 * of `pool.min_shard_legs`). Measured: a universe cycle generates 105,882 legs in 25-27 ms inline
 * against 97 ms of enrichment and rendering (about 1/4); and 4,300 chain legs (analytics.scope
 * "chain" at the default preset) took 21 ms a cycle pooled against 14 ms inline (`bun
 * bench/workload.ts --preset default --scope chain --pool auto|0`): the round trip costs more
 * than generation saves until a batch is several times the enrichment break-even. 1/8 sends
 * batches of 8,000 legs and more (at the default break-even) to the pool.
 */
const SIMULATE_LEG_COST = 1 / 8;

/** The inputs of groups [g0, g1) as fresh arrays (safe to transfer). */
function sliceInputs(inputs: SimGroupInputs, g0: number, g1: number): ArrayMap {
  const out: ArrayMap = {};
  for (const [k, a] of Object.entries(inputs)) out[k] = (a as Float64Array).slice(g0, g1);
  return out;
}

/** Per-group simulator inputs for the batch's groups. */
function simGroupInputs(
  b: ChainBatch,
  dayOf: (index: string) => IndexDay,
  strikeRange: number,
  indexNumber: (index: string) => number,
): SimGroupInputs {
  const n = b.groups;
  const inputs: SimGroupInputs = {
    baseVol: new Float64Array(n),
    openSpot: new Float64Array(n),
    listedLo: new Float64Array(n),
    listedHi: new Float64Array(n),
    strikeStep: new Float64Array(n),
    lotSize: new Float64Array(n),
    activity: new Float64Array(n),
    key: new Float64Array(n),
  };
  for (let g = 0; g < n; g++) {
    const index = b.labels.index[g]! as IndexName;
    const spec = INDICES[index];
    const day = dayOf(index);
    inputs.baseVol[g] = day.baseVol;
    inputs.openSpot[g] = day.open;
    inputs.listedLo[g] = atmStrike(day.open * (1 - strikeRange), spec.strikeStep);
    inputs.listedHi[g] = atmStrike(day.open * (1 + strikeRange), spec.strikeStep);
    inputs.strikeStep[g] = spec.strikeStep;
    inputs.lotSize[g] = spec.lotSize;
    inputs.activity[g] = ACTIVITY[index];
    inputs.key[g] = hashInts(indexNumber(index), dayNumber(b.labels.expiry[g]!)) >>> 8;
  }
  return inputs;
}
