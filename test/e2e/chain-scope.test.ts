/**
 * analytics.scope "chain" end to end on the simulated market: the aggregates equal the full
 * chain's, recomputed here by brute force from a separate simulator quoting every listed strike
 * (not from G6's chain legs or aggregates); the CSV rows are byte for byte those of window scope;
 * window and chain max pain differ where the ladder does not hold the chain's OI.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createBatch } from "../../src/chain/batch.ts";
import { greeks, impliedVol } from "../../src/analytics/index.ts";
import { createMarketCalendar, timeToExpiryYears } from "../../src/market/index.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import { createApp } from "../../src/app.ts";
import { instantClock, listFiles, quietLog, readCsv, tempDir, testConfig } from "../helpers/engine.ts";
import type { CycleResult } from "../../src/contracts/index.ts";
import type { ExpirySummary } from "../../src/chain/score.ts";

const CYCLES = 3;
const settings = (scope: string, dataDir: string) =>
  testConfig({
    interval: 60,
    storage: { data_dir: dataDir },
    analytics: { scope, oi_change: { lookback_minutes: 1 } },
    provider: { sim: { seed: 7, start: "2026-11-19T09:15" } },
  });

type Seen = { at: number; expiries: ExpirySummary[]; chainLegs: number; warnings: string[]; quoteCalls: number };

/** Runs the engine; keeps what each cycle said (copied: batches may be reused). */
async function run(scope: string): Promise<{ dir: string; seen: Seen[]; config: ReturnType<typeof settings> }> {
  const dir = tempDir();
  const config = settings(scope, dir);
  const seen: Seen[] = [];
  const app = createApp(config, {
    log: quietLog,
    clock: instantClock,
    onCycle: (r: CycleResult) => seen.push({ at: r.at, expiries: r.expiries.map((e) => ({ ...e })), chainLegs: r.chain?.legs ?? 0, warnings: [...r.warnings], quoteCalls: 0 }),
  });
  await app.run({ cycles: CYCLES, signal: new AbortController().signal });
  return { dir, seen, config };
}

/**
 * The whole listed chain of `index`/`expiry` at `at` with the index at `spot` (the simulator's
 * spot is a path through the instants it was asked at, so G6's recorded level is used), quoted by
 * a fresh simulator: strike → [ce oi, pe oi, ce vol, pe vol].
 */
async function fullChain(config: ReturnType<typeof settings>, index: string, expiry: string, at: number, spot: number): Promise<Map<number, number[]>> {
  const sim = createSimProvider({ config, calendar: createMarketCalendar({ holidays: config.market.holidays }) });
  await sim.open();
  await sim.spot([index], at);
  const strikes = [...new Set((await sim.instruments(index, expiry)).map((i) => i.strike))].sort((a, b) => a - b);
  const T = timeToExpiryYears(at, expiry);
  const b = createBatch([{ index, tag: "x", expiry, spot, atm: Number.NaN, T, df: Math.exp(-config.risk_free_rate * T), strikes }]);
  await sim.quotes(b, at);
  const out = new Map<number, number[]>();
  for (let k = 0; k < strikes.length; k++) {
    const [c, p] = [2 * k, 2 * k + 1];
    out.set(strikes[k]!, [b.oi[c]!, b.oi[p]!, b.volume[c]!, b.volume[p]!, b.bid[c]!, b.ask[c]!, b.last[c]!, b.bid[p]!, b.ask[p]!, b.last[p]!]);
  }
  return out;
}

/**
 * The IV at `target` delta, linear in delta between the two neighbouring quoted points that
 * bracket it (points ordered by strike); NaN when none do.
 */
function ivAt(points: { d: number; v: number }[], target: number): number {
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1]!, points[i]!];
    if (a.d === target) return a.v;
    if ((a.d - target) * (b.d - target) < 0) return a.v + ((target - a.d) / (b.d - a.d)) * (b.v - a.v);
  }
  return Number.NaN;
}

/** Max pain by brute force: the strike minimising Σ callOi·max(K−k,0) + putOi·max(k−K,0). */
function bruteMaxPain(rows: { k: number; c: number; p: number }[]): number {
  let best = Number.POSITIVE_INFINITY;
  let bestK = Number.NaN;
  for (const x of rows) {
    let pain = 0;
    for (const y of rows) pain += y.c * Math.max(x.k - y.k, 0) + y.p * Math.max(y.k - x.k, 0);
    if (pain < best) [best, bestK] = [pain, x.k];
  }
  return bestK;
}

let chain: Awaited<ReturnType<typeof run>>;
let window: Awaited<ReturnType<typeof run>>;

beforeAll(async () => {
  chain = await run("chain");
  window = await run("window");
});

describe("analytics.scope chain on the simulator", () => {
  test("PCR (OI and volume), max pain, support and resistance equal the full chain's, recomputed from an independent full quote", async () => {
    const last = chain.seen.at(-1)!;
    let checked = 0;
    for (const e of last.expiries) {
      const full = await fullChain(chain.config, e.index, e.expiry, last.at, e.spot);
      const rows = [...full].map(([k, v]) => ({ k, c: v[0]!, p: v[1]!, cv: v[2]!, pv: v[3]! }));
      const sum = (f: (r: (typeof rows)[number]) => number) => rows.reduce((a, r) => a + f(r), 0);
      expect(e.scope).toBe("chain");
      expect(e.aggregateStrikes).toBe(rows.length);
      expect(e.aggregateCoverage).toBe(1);
      expect(e.aggregatesComplete).toBe(true);
      expect(e.pcrOi).toBeCloseTo(sum((r) => r.p) / sum((r) => r.c), 12);
      expect(e.pcrVolume).toBeCloseTo(sum((r) => r.pv) / sum((r) => r.cv), 12);
      expect(e.maxPain).toBe(bruteMaxPain(rows));
      // Support: highest put OI at or below spot; resistance: highest call OI at or above spot.
      const below = rows.filter((r) => r.k <= e.spot);
      const above = rows.filter((r) => r.k >= e.spot);
      expect(e.support).toBe(below.reduce((a, r) => (r.p > a.p || (r.p === a.p && r.k > a.k) ? r : a)).k);
      expect(e.resistance).toBe(above.reduce((a, r) => (r.c > a.c || (r.c === a.c && r.k < a.k) ? r : a)).k);
      expect(e.support).toBeLessThanOrEqual(e.spot);
      expect(e.resistance).toBeGreaterThanOrEqual(e.spot);
      checked++;
    }
    expect(checked).toBe(14);
  });

  test("the status file carries the chain figures and the scope", () => {
    const status = JSON.parse(readFileSync(join(chain.dir, "runtime_status.json"), "utf8"));
    expect(status.analytics_scope).toBe("chain");
    const last = chain.seen.at(-1)!;
    const nifty = status.indices.find((s: { index: string }) => s.index === "NIFTY");
    for (const st of nifty.expiries) {
      const e = last.expiries.find((x) => x.index === "NIFTY" && x.tag === st.tag)!;
      expect(st.scope).toBe("chain");
      expect(st.max_pain).toBe(e.maxPain);
      expect(st.pcr_oi).toBeCloseTo(e.pcrOi, 4);
      expect(st.aggregate_strikes).toBe(e.aggregateStrikes);
      expect(st.aggregates_complete).toBe(true);
    }
    // The term structure: NIFTY's expiries by date, each with its ATM IV.
    const dates = nifty.atm_iv_term.map((t: { expiry: string }) => t.expiry);
    expect(dates).toEqual([...dates].sort());
    expect(new Set(dates).size).toBe(dates.length);
  });

  test("window scope: the ladder's figures; the overview's PCR column is the ladder's in both scopes", () => {
    const w = window.seen.at(-1)!;
    const c = chain.seen.at(-1)!;
    for (const e of w.expiries) {
      expect(e.scope).toBe("window");
      expect(e.aggregateStrikes).toBe(21);
      const ce = c.expiries.find((x) => x.index === e.index && x.tag === e.tag)!;
      expect(ce.pcrOiWindow).toBe(e.pcrOi);
    }
    expect(w.chainLegs).toBe(0);
    expect(c.chainLegs).toBeGreaterThan(0);
  });

  test("window max pain follows the ladder, chain max pain the whole chain: they differ on this instant (as the issue saw 23800 vs 24050)", () => {
    const w = window.seen.at(-1)!;
    const c = chain.seen.at(-1)!;
    const pick = (s: Seen, tag: string) => s.expiries.find((e) => e.index === "NIFTY" && e.tag === tag)!;
    // NIFTY next month at 09:17 on 2026-11-19, seed 7.
    expect(pick(w, "next_month").maxPain).toBe(26100);
    expect(pick(c, "next_month").maxPain).toBe(26350);
    expect(pick(w, "next_month").pcrOi).not.toBeCloseTo(pick(c, "next_month").pcrOi, 2);
  });

  test("the CSV option rows and overview are byte for byte the same in both scopes", () => {
    const files = listFiles(join(chain.dir, "g6_data"));
    expect(files).toEqual(listFiles(join(window.dir, "g6_data")));
    expect(files.length).toBeGreaterThan(14 * 21);
    for (const f of files) expect(readFileSync(join(chain.dir, "g6_data", f))).toEqual(readFileSync(join(window.dir, "g6_data", f)));
    expect(readCsv(join(chain.dir, "g6_data", "overview/NIFTY/2026-11-19.csv")).rows).toHaveLength(CYCLES);
  });

  test("OI change over a one-minute lookback equals the change between consecutive cycles, recomputed from the full chain", async () => {
    const [prev, last] = chain.seen.slice(-2) as [Seen, Seen];
    const e = last.expiries.find((x) => x.index === "NIFTY" && x.tag === "next_week")!;
    const before = await fullChain(chain.config, e.index, e.expiry, prev.at, prev.expiries.find((x) => x.index === e.index)!.spot);
    const now = await fullChain(chain.config, e.index, e.expiry, last.at, e.spot);
    let dc = 0;
    let dp = 0;
    for (const [k, v] of now) {
      dc += v[0]! - before.get(k)![0]!;
      dp += v[1]! - before.get(k)![1]!;
    }
    expect(e.callOiChangeLookback).toBe(dc);
    expect(e.putOiChangeLookback).toBe(dp);
    // The first cycle has no snapshot a minute old yet: missing, not zero.
    expect(Number.isNaN(chain.seen[0]!.expiries[0]!.callOiChangeLookback)).toBe(true);
    expect(chain.seen[0]!.expiries[0]!.callBuildup).toBe("unknown");
  });

  test("25-delta risk reversal and butterfly of the far expiries from the whole chain's smile, where the ladder's does not reach 25 delta", async () => {
    const c = chain.seen.at(-1)!;
    const w = window.seen.at(-1)!;
    const cfg = chain.config;
    const out = new Float64Array(5);
    let filled = 0;
    for (const e of c.expiries) {
      const we = w.expiries.find((x) => x.index === e.index && x.tag === e.tag)!;
      if (Number.isFinite(we.rr25) && Number.isFinite(we.bf25)) {
        // The ladder brackets both points: the chain adds strikes only outside it, the figures are the ladder's.
        expect([e.rr25, e.bf25]).toEqual([we.rr25, we.bf25]);
        continue;
      }
      // Out-of-the-money legs of the whole listed chain, solved here with G6's forward, time and rate.
      const full = await fullChain(cfg, e.index, e.expiry, c.at, e.spot);
      const df = Math.exp(-cfg.risk_free_rate * e.T);
      const price = (bid: number, ask: number, last: number) =>
        bid > 0 && ask >= bid && (ask - bid) / ((ask + bid) / 2) <= cfg.analytics.max_spread_fraction ? (bid + ask) / 2 : last > 0 ? last : Number.NaN;
      const calls: { d: number; v: number }[] = [];
      const puts: { d: number; v: number }[] = [];
      for (const [k, q] of [...full].sort((x, y) => x[0] - y[0])) {
        for (const [isCall, into, [bid, ask, last]] of [[true, calls, q.slice(4, 7)], [false, puts, q.slice(7, 10)]] as const) {
          if (isCall ? k < e.forward : k > e.forward) continue;
          const v = impliedVol(price(bid!, ask!, last!), e.forward, k, e.T, df, isCall, cfg.analytics.tick);
          if (!(v > 0)) continue;
          greeks(e.spot, e.forward, k, e.T, v, cfg.risk_free_rate, isCall, out);
          into.push({ d: out[0]!, v });
        }
      }
      const [c25, p25] = [ivAt(calls, 0.25), ivAt(puts, -0.25)];
      expect(Number.isFinite(c25) && Number.isFinite(p25)).toBe(true);
      expect(e.rr25).toBeCloseTo(c25 - p25, 9);
      expect(e.bf25).toBeCloseTo((c25 + p25) / 2 - e.atmIv, 9);
      filled++;
    }
    // The monthly expiries of every index at least.
    expect(filled).toBeGreaterThanOrEqual(5);
  });
});
