/** Sharding: whole groups cut into balanced contiguous shards, and a shard's copy and merge. */
import { describe, expect, test } from "bun:test";
import { createBatch, type GroupSpec } from "../../src/chain/batch.ts";
import { batchFromMessage, extractShard, mergeShard, planShards, type ShardRange } from "../../src/chain/shard.ts";

/** Groups with the given strike counts (each strike is a CE and a PE leg). */
function batchOf(strikeCounts: readonly number[]) {
  const specs: GroupSpec[] = strikeCounts.map((n, g) => ({
    index: "NIFTY",
    tag: `g${g}`,
    expiry: "2026-11-24",
    spot: 24_000,
    atm: 24_000,
    T: 0.01,
    df: 1,
    strikes: Array.from({ length: n }, (_, k) => 23_000 + 50 * k),
  }));
  return createBatch(specs);
}

/** Every group in exactly one shard, in order, and the leg counts add up. */
function expectCover(b: ReturnType<typeof batchOf>, shards: ShardRange[]) {
  const seen = shards.flatMap((s) => Array.from({ length: s.g1 - s.g0 }, (_, k) => s.g0 + k));
  expect(seen).toEqual(Array.from({ length: b.groups }, (_, g) => g));
  for (const s of shards) expect(s.legs).toBe(b.end[s.g1 - 1]! - b.start[s.g0]!);
  expect(shards.reduce((a, s) => a + s.legs, 0)).toBe(b.legs);
}

describe("planShards", () => {
  test("equal groups split into equal shards", () => {
    const b = batchOf(Array(12).fill(50)); // 12 groups × 100 legs
    const shards = planShards(b, 4, 100);
    expect(shards).toEqual([
      { g0: 0, g1: 3, legs: 300 },
      { g0: 3, g1: 6, legs: 300 },
      { g0: 6, g1: 9, legs: 300 },
      { g0: 9, g1: 12, legs: 300 },
    ]);
    expectCover(b, shards);
  });

  test("the shard count is capped by legs / minLegs, and a small batch is one shard", () => {
    const b = batchOf(Array(12).fill(50)); // 1200 legs
    expect(planShards(b, 8, 500)).toEqual([
      { g0: 0, g1: 6, legs: 600 },
      { g0: 6, g1: 12, legs: 600 },
    ]);
    expect(planShards(b, 8, 5000)).toEqual([{ g0: 0, g1: 12, legs: 1200 }]);
    expect(planShards(b, 1, 1)).toEqual([{ g0: 0, g1: 12, legs: 1200 }]);
  });

  test("uneven groups: each cut once the shard reaches its share, never splitting a group", () => {
    // Legs per group 600, 20, 20, 20, 300, 300, 20, 20: 1300 legs, a share of 433.3 for 3 shards.
    const b = batchOf([300, 10, 10, 10, 150, 150, 10, 10]);
    const shards = planShards(b, 3, 100);
    expect(shards).toEqual([
      { g0: 0, g1: 1, legs: 600 },
      { g0: 1, g1: 6, legs: 660 },
      { g0: 6, g1: 8, legs: 40 },
    ]);
    expectCover(b, shards);
  });

  test("coverage holds for many shapes; no shard is empty", () => {
    for (const counts of [[1], [5, 5], [200, 1, 1, 1], [1, 1, 1, 200], Array(37).fill(21), [7, 300, 7, 300, 7]]) {
      const b = batchOf(counts);
      for (const max of [1, 2, 3, 8]) {
        const shards = planShards(b, max, 10);
        expect(shards.length).toBeLessThanOrEqual(max);
        for (const s of shards) expect(s.g1).toBeGreaterThan(s.g0);
        expectCover(b, shards);
      }
    }
  });

  test("no groups, no shards", () => {
    expect(planShards(batchOf([]), 4, 1)).toEqual([]);
  });
});

describe("extractShard and mergeShard", () => {
  test("a shard carries only the asked fields with rebased layout; its outputs land back at its offsets", () => {
    const b = batchOf([2, 3, 1]); // legs: group 0 [0,4), group 1 [4,10), group 2 [10,12)
    for (let i = 0; i < b.legs; i++) b.last[i] = 100 + i;
    const m = extractShard(b, 1, 2, ["strike", "last"]);
    expect(m).toMatchObject({ legs: 6, groups: 1, labels: { index: ["NIFTY"], tag: ["g1"], expiry: ["2026-11-24"] } });
    expect(Array.from(m.arrays.start!)).toEqual([0]);
    expect(Array.from(m.arrays.end!)).toEqual([6]);
    expect(Array.from(m.arrays.last!)).toEqual([104, 105, 106, 107, 108, 109]);
    expect(Array.from(m.arrays.strike!)).toEqual([23_000, 23_000, 23_050, 23_050, 23_100, 23_100]);
    expect(m.arrays.bid).toBeUndefined();

    const shard = batchFromMessage(m, ["iv"]);
    expect(Number.isNaN(shard.iv[0]!)).toBe(true);
    for (let i = 0; i < shard.legs; i++) shard.iv[i] = i / 10;
    mergeShard(b, { g0: 1, g1: 2, legs: 6 }, { iv: shard.iv });
    expect(Array.from(b.iv.slice(4, 10))).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5]);
    expect(Number.isNaN(b.iv[3]!) && Number.isNaN(b.iv[10]!)).toBe(true);
  });
});
