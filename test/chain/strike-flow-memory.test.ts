/**
 * The strike flow in recycled memory (src/chain/strike-flow.ts): a flow whose columns were built
 * in `reserve`d memory lives there with its figures; its memory is reused only after its result's
 * hold is given back, and the figures are those of a tracker given fresh arrays every cycle.
 */
import { expect, test } from "bun:test";
import { STRIKE_COLUMNS, type StrikeColumns } from "../../src/chain/chain-legs.ts";
import { createStrikeFlowTracker, flowHolds, releaseFlow, retainFlow, type StrikeFlow } from "../../src/chain/strike-flow.ts";

const MIN = 60_000;
const T0 = Date.UTC(2026, 10, 19, 4, 0);
const DAY = "2026-11-19";
const key = { index: "NIFTY", tag: "this_week", expiry: "2026-11-24" };
const S = { lookbackMinutes: 3, topN: 2, oiThresholdPct: 1, priceThresholdPct: 1 };
const FIELDS = ["strike", "callOi", "putOi", "callLast", "putLast", "callOiChangeSession", "putOiChangeSession", "callOiChangeLookback", "putOiChangeLookback", "callPriceChangeLookback", "putPriceChangeLookback", "callBuildup", "putBuildup"] as const;

/** Cycle `c`'s columns over `strikes` (every value moves with the cycle; some OI missing). */
function values(strikes: number[], c: number): number[][] {
  return strikes.map((k, i) => [k, (i + c) % 5 === 0 ? Number.NaN : 1000 + 37 * c + i, 2000 - 23 * c + 3 * i, 100 + c + i / 10, 90 - c + i / 7]);
}

function fill(into: Float64Array | undefined, rows: number[][]): StrikeColumns {
  const n = rows.length;
  const col = (j: number) => {
    const a = into ? into.subarray(j * n, (j + 1) * n) : new Float64Array(n);
    rows.forEach((r, i) => (a[i] = r[[0, 1, 2, 1, 2, 3, 4][j]!]!));
    return a;
  };
  return { strike: col(0), callOi: col(1), putOi: col(2), callVolume: col(3), putVolume: col(4), callLast: col(5), putLast: col(6) };
}

const copyOf = (f: StrikeFlow) => FIELDS.map((x) => Array.from(f[x] as ArrayLike<number>));

test("a held flow keeps its values while later cycles run; released memory is reused; figures equal fresh memory's", () => {
  const recycled = createStrikeFlowTracker();
  const fresh = createStrikeFlowTracker();
  const strikesOf = (c: number) => (c < 6 ? [24000, 24100, 24200, 24300] : [23900, 24000, 24100, 24200, 24300]);
  const held: { flow: StrikeFlow; copy: number[][] }[] = [];
  const buffers = new Set<ArrayBufferLike>();
  let reusedBuffers = 0;
  let previous: StrikeFlow | null = null;
  for (let c = 0; c < 14; c++) {
    const rows = values(strikesOf(c), c);
    const memory = recycled.reserve(key, rows.length);
    expect(memory.length).toBeGreaterThanOrEqual(STRIKE_COLUMNS * rows.length);
    const flow = recycled.update(key, fill(memory, rows), T0 + c * MIN, DAY, S);
    const expected = fresh.update(key, fill(undefined, rows), T0 + c * MIN, DAY, S);
    expect(copyOf(flow)).toEqual(copyOf(expected));
    expect(flowHolds(flow)).toBe(1);
    if (buffers.has(flow.strike.buffer)) reusedBuffers++;
    buffers.add(flow.strike.buffer);
    // Cycles 1 and 7 are held (a slow sink); every other cycle is given back after the next one.
    if (c === 1 || c === 7) {
      retainFlow(flow);
      held.push({ flow, copy: copyOf(flow) });
    }
    if (previous) releaseFlow(previous);
    previous = flow;
    for (const h of held) {
      if (h.flow !== flow) expect(flow.strike.buffer).not.toBe(h.flow.strike.buffer);
    }
  }
  for (const h of held) expect(copyOf(h.flow)).toEqual(h.copy);
  // Memory released by the result is reused (with the history's own copies, the lookback still works).
  expect(reusedBuffers).toBeGreaterThanOrEqual(8);
  expect(held[0]!.flow.lookbackAt).toBeNaN();
  expect(previous!.lookbackAt).toBe(T0 + 10 * MIN);
  // Releasing more often than held throws; so does retaining a flow whose memory was given back.
  // Cycle 1's result hold went back after cycle 2; the slow sink's hold is the last.
  const h = held[0]!.flow;
  expect(flowHolds(h)).toBe(1);
  releaseFlow(h);
  expect(flowHolds(h)).toBe(0);
  expect(() => releaseFlow(h)).toThrow(/more often than held/);
  expect(() => retainFlow(h)).toThrow(/already released/);
});

test("a flow built in fresh arrays (no reserve) ignores holds", () => {
  const t = createStrikeFlowTracker();
  const flow = t.update(key, fill(undefined, values([24000, 24100], 0)), T0, DAY, S);
  expect(flowHolds(flow)).toBeNull();
  releaseFlow(flow);
  retainFlow(flow);
  expect(flowHolds(flow)).toBeNull();
});

test("the session's first OI follows strikes added to and removed from the listing", () => {
  const recycled = createStrikeFlowTracker();
  const fresh = createStrikeFlowTracker();
  const lists = [[24000, 24100], [23900, 24000, 24100], [24100, 24200], [23900, 24000, 24100, 24200, 24300], [24000]];
  lists.forEach((strikes, c) => {
    const rows = values(strikes, c + 1);
    const flow = recycled.update(key, fill(recycled.reserve(key, rows.length), rows), T0 + c * MIN, DAY, S);
    const expected = fresh.update(key, fill(undefined, rows), T0 + c * MIN, DAY, S);
    expect(copyOf(flow)).toEqual(copyOf(expected));
    releaseFlow(flow);
  });
  // 24000's first finite call OI was at the first update (1000 + 37 × 1); now it is 1000 + 37 × 6.
  const last = recycled.update(key, fill(undefined, values([24000], 6)), T0 + 9 * MIN, DAY, S);
  expect(last.callOiChangeSession[0]).toBe(37 * 5);
});
