/**
 * The simulated market's pricing model (pure): a volatility smile with skew and a term
 * structure, Black-76 prices rounded to the tick, spreads that widen away from the money,
 * volume that peaks near the money and at round strikes and grows through the session, and
 * open interest that belongs to each contract (see `simOiLots`). Each leg's quote is a pure function of its inputs, so generation can run in
 * any worker with identical results.
 */
import { black76 } from "../../analytics/index.ts";
import type { ChainBatch } from "../../chain/batch.ts";
import { YEAR_MS } from "../../market/expiry.ts";
import { hashState, mix, unit } from "./random.ts";

/** ATM volatility for time to expiry T (years): short expiries carry an event premium. */
export function simAtmVol(baseVol: number, T: number): number {
  return baseVol * (0.92 + 0.25 * Math.exp((-T * 365) / 6) + 0.05 * Math.sqrt(Math.max(T, 0)));
}

/**
 * The simulator's implied volatility at strike K for forward F and time T (years):
 * a quadratic smile in standardised moneyness x = ln(K/F) / (σ_atm √T), with put skew.
 */
export function simVol(baseVol: number, F: number, K: number, T: number): number {
  const atm = simAtmVol(baseVol, T);
  const x = Math.log(K / F) / (atm * Math.sqrt(Math.max(T, 1 / (365 * 24))));
  const smile = 1 - 0.06 * x + 0.02 * x * x;
  return atm * Math.max(smile, 0.5);
}

/** Per-group simulation inputs, one entry per batch group (typed arrays so they cross to workers). */
export type SimGroupInputs = {
  /** Base (ATM, mid-term) volatility of the group's index for the day. */
  baseVol: Float64Array;
  /** Index level at the session open: stale quotes are priced from it. */
  openSpot: Float64Array;
  /** Lowest and highest listed strike of the expiry; strikes outside are not listed. */
  listedLo: Float64Array;
  listedHi: Float64Array;
  strikeStep: Float64Array;
  lotSize: Float64Array;
  /** Relative activity of the index (NIFTY = 1). */
  activity: Float64Array;
  /** Integer identity of (index, expiry) for the per-leg hash. */
  key: Float64Array;
};

export type SimQuoteParams = {
  seed: number;
  r: number;
  tick: number;
  /** Snapshot instant and the session's open/close, epoch ms. */
  at: number;
  sessionOpen: number;
  sessionClose: number;
  missingRate: number;
  zeroPriceRate: number;
  staleRate: number;
};

/**
 * Open interest of one contract, in lots. OI belongs to the contract (expiry, strike, side),
 * not to where spot is now: its profile is fixed by the strike's standardised moneyness at the
 * session open `x0` (ln(K/F) / (σ_atm √T), all at the open), peaking near that money and at
 * round strikes (`roundBoost`), heavier on the out-of-the-money side through a smooth tanh (so
 * nothing flips when spot crosses the strike), and drifts smoothly through the session
 * (`progress` 0 → 1) at a per-contract rate from `driftUnit` ∈ [0, 1): −5 % … +15 % a session.
 */
export function simOiLots(activity: number, x0: number, roundBoost: number, isCall: boolean, contractNoise: number, driftUnit: number, progress: number): number {
  const nearness = Math.exp(-0.25 * x0 * x0);
  const outOfMoney = isCall ? x0 : -x0;
  const sideBias = 1 + 0.25 * Math.tanh(2 * outOfMoney);
  const drift = 1 + (0.2 * driftUnit - 0.05) * progress;
  return 60_000 * activity * nearness * roundBoost * sideBias * contractNoise * drift;
}

const roundTick = (x: number, tick: number) => Math.round(x / tick) * tick;
/** Rounds to the tick and to 2 decimals so CSV text is exact. */
const toTick = (x: number, tick: number) => Math.round(roundTick(x, tick) * 100) / 100;

/**
 * Fills quotes for groups [g0, g1) of the batch at instant `p.at`, only legs in [legLo, legHi)
 * (default: all of them). Returns legs quoted.
 */
export function simulateQuotes(b: ChainBatch, g0: number, g1: number, gi: SimGroupInputs, p: SimQuoteParams, legLo = 0, legHi = b.legs): number {
  const progress = Math.min(1, Math.max(0, (p.at - p.sessionOpen) / (p.sessionClose - p.sessionOpen)));
  const cycleKey = Math.floor(p.at / 1000);
  let quoted = 0;
  for (let g = g0; g < g1; g++) {
    const T = b.g_T[g]!;
    const df = b.g_df[g]!;
    const spot = b.g_spot[g]!;
    const carry = Math.exp(p.r * Math.max(T, 0));
    const Fnow = spot * carry;
    const Fstale = gi.openSpot[g]! * carry;
    const baseVol = gi.baseVol[g]!;
    const atmVol = simAtmVol(baseVol, T);
    const sqrtT = Math.sqrt(Math.max(T, 1 / (365 * 24)));
    const step = gi.strikeStep[g]!;
    const lot = gi.lotSize[g]!;
    const key = gi.key[g]!;
    const termFactor = 0.3 + 0.7 * Math.exp((-T * 365) / 10);
    // Moneyness scale at the session open, for open interest (constant through the session).
    const Topen = T + Math.max(0, p.at - p.sessionOpen) / YEAR_MS;
    const Fopen = gi.openSpot[g]! * Math.exp(p.r * Math.max(Topen, 0));
    const scaleOpen = simAtmVol(baseVol, Topen) * Math.sqrt(Math.max(Topen, 1 / (365 * 24)));
    const iEnd = Math.min(b.end[g]!, legHi);
    for (let i = Math.max(b.start[g]!, legLo); i < iEnd; i++) {
      const K = b.strike[i]!;
      if (K < gi.listedLo[g]! || K > gi.listedHi[g]!) continue;
      const isCall = b.isCall[i] === 1;
      const side = isCall ? 1 : 2;
      // One hash chain per leg: static per contract, and per snapshot instant.
      const contract = hashState(p.seed, key, K, side);
      const instant = mix(contract, cycleKey);
      const fault = unit(instant);
      if (fault < p.missingRate) continue;
      const stale = fault >= p.missingRate + p.zeroPriceRate && fault < p.missingRate + p.zeroPriceRate + p.staleRate;
      const F = stale ? Fstale : Fnow;
      const theo = black76(F, K, T, simVol(baseVol, F, K, T), df, isCall);
      const last = Math.max(toTick(theo, p.tick), p.tick);
      const x = Math.log(K / F) / (atmVol * sqrtT);
      const halfSpread = (1 + Math.floor(Math.abs(x) * 1.5)) * p.tick;
      const contractNoise = 0.7 + 0.6 * unit(contract);
      const intraNoise = 0.9 + 0.2 * unit(mix(instant, 7));
      const nearness = Math.exp(-0.25 * x * x);
      const roundBoost = K % (step * 10) === 0 ? 2 : K % (step * 2) === 0 ? 1.3 : 1;
      const volLots = 40_000 * gi.activity[g]! * nearness * roundBoost * termFactor * contractNoise * intraNoise * (0.03 + 0.97 * progress);
      const oiLots = simOiLots(gi.activity[g]!, Math.log(K / Fopen) / scaleOpen, roundBoost, isCall, contractNoise, unit(mix(contract, 5)), progress);
      const zero = fault >= p.missingRate && fault < p.missingRate + p.zeroPriceRate;
      b.last[i] = zero ? 0 : last;
      // A bid that would be at or below zero is no bid (NaN), as on the exchange; the last trade
      // of a far-from-the-money contract is the minimum tick, a price that does trade.
      const bid = toTick(last - halfSpread, p.tick);
      b.bid[i] = zero ? 0 : bid > 0 ? bid : Number.NaN;
      b.ask[i] = zero ? 0 : toTick(last + halfSpread, p.tick);
      b.avg[i] = zero ? 0 : Math.max(toTick(last * (0.97 + 0.06 * unit(mix(contract, 3))), p.tick), p.tick);
      b.volume[i] = Math.round(volLots) * lot;
      b.oi[i] = Math.round(oiLots) * lot;
      b.quoteTime[i] = stale ? p.sessionOpen : p.at;
      quoted++;
    }
  }
  return quoted;
}
