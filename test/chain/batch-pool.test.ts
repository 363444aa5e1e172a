import { expect, test } from "bun:test";
import { createBatch, type ChainBatch, type GroupSpec } from "../../src/chain/batch.ts";
import { batchHolds, createBatchPool, releaseBatch, retainBatch } from "../../src/chain/batch-pool.ts";

const spec = (index: string, strikes: number[], spot = 24000): GroupSpec => ({ index, tag: "this_week", expiry: "2026-11-25", spot, atm: 24000, T: 0.01, df: 0.9998, strikes });
const ladder = (n: number, from = 23000) => Array.from({ length: n }, (_, i) => from + 50 * i);

/** Every array field of a batch as plain numbers (NaN kept), with its counts and labels. */
function contents(b: ChainBatch): Record<string, unknown> {
  const out: Record<string, unknown> = { legs: b.legs, groups: b.groups, labels: b.labels };
  for (const [k, v] of Object.entries(b)) if (ArrayBuffer.isView(v)) out[k] = Array.from(v as Float64Array, (x) => (Number.isNaN(x) ? "NaN" : x));
  return out;
}

/** Writes non-default values into every leg array, as a cycle's quotes and enrichment would. */
function dirty(b: ChainBatch): void {
  for (const f of ["last", "avg", "bid", "ask", "volume", "oi", "netChange", "quoteTime", "iv", "delta", "gamma", "theta", "vega", "rho"] as const) b[f].fill(7.5);
  b.isCall.fill(1);
  b.ivSource.fill(2);
  b.ivFail.fill(3);
  b.group.fill(9);
  b.strike.fill(1);
}

test("an acquired batch equals createBatch's, fresh and when built in the memory of a dirtied, released one", () => {
  const pool = createBatchPool();
  const specs = [spec("NIFTY", ladder(5)), spec("BANKNIFTY", ladder(3, 51000), 51200)];
  const first = pool.acquire(specs);
  expect(contents(first)).toEqual(contents(createBatch(specs)));
  dirty(first);
  const buffer = first.last.buffer;
  releaseBatch(first);
  // Fewer legs (14 → 12 fits within twice): the same memory, every field as new.
  const fewer = [spec("NIFTY", ladder(4)), spec("BANKNIFTY", ladder(2, 51000), 51200)];
  const second = pool.acquire(fewer);
  expect(second.last.buffer).toBe(buffer);
  expect(second.last.length).toBe(12);
  expect(contents(second)).toEqual(contents(createBatch(fewer)));
  expect(pool.stats).toEqual({ created: 1, reused: 1, held: 1, free: 0 });
});

test("a held batch is never reused: only the last release returns its memory", () => {
  const pool = createBatchPool();
  const specs = [spec("NIFTY", ladder(40))];
  const a = pool.acquire(specs);
  retainBatch(a);
  retainBatch(a);
  expect(batchHolds(a)).toBe(3);
  releaseBatch(a);
  releaseBatch(a);
  const b = pool.acquire(specs);
  expect(b.last.buffer).not.toBe(a.last.buffer);
  releaseBatch(a);
  expect(batchHolds(a)).toBe(0);
  const c = pool.acquire(specs);
  expect(c.last.buffer).toBe(a.last.buffer);
  expect(pool.stats).toEqual({ created: 2, reused: 1, held: 2, free: 0 });
});

test("releasing more often than held throws (a batch overwritten while someone reads it); retaining a released one too", () => {
  const pool = createBatchPool();
  const a = pool.acquire([spec("NIFTY", ladder(2))]);
  releaseBatch(a);
  expect(() => releaseBatch(a)).toThrow("released more often than held");
  expect(() => retainBatch(a)).toThrow("already released");
});

test("a batch not from a pool ignores holds", () => {
  const b = createBatch([spec("NIFTY", ladder(2))]);
  retainBatch(b);
  releaseBatch(b);
  releaseBatch(b);
  expect(batchHolds(b)).toBeNull();
});

test("a released batch fits a request of at most its capacity and at least half of it; else a fresh one", () => {
  const pool = createBatchPool();
  const big = pool.acquire([spec("NIFTY", ladder(100))]);
  releaseBatch(big);
  // 200 legs, capacity 212: 40 legs is less than half, so a fresh batch.
  const small = pool.acquire([spec("NIFTY", ladder(20))]);
  expect(small.last.buffer).not.toBe(big.last.buffer);
  // 1/16 headroom: 212 legs still fit the first one.
  const grown = pool.acquire([spec("NIFTY", ladder(106))]);
  expect(grown.last.buffer).toBe(big.last.buffer);
  expect(grown.legs).toBe(212);
  expect(pool.stats.created).toBe(2);
});
