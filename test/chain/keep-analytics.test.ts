/**
 * Enrichment with `keepAnalytics` (a provider that supplies recorded IV and Greeks): the
 * supplied values stand, inline and on the pool's workers alike; the forward is still derived,
 * and a leg without an IV gets its failure reason. Without it the same batch's IVs are solved.
 */
import { afterAll, expect, test } from "bun:test";
import { LEG_OUTPUT_FIELDS, type ChainBatch } from "../../src/chain/batch.ts";
import { enrichGroups, ivFailCode } from "../../src/chain/enrich.ts";
import { enrichBatch } from "../../src/engine/compute.ts";
import { enrichParams } from "../../src/engine/cycle.ts";
import { createWorkerPool } from "../../src/engine/pool.ts";
import { COMPUTE_KERNELS } from "../../src/kernels.ts";
import { quotedBatch } from "../../bench/support.ts";
import { testConfig } from "../helpers/engine.ts";

const params = enrichParams(testConfig({}));
const SPECS = Array.from({ length: 4 }, (_, g) => {
  const T = (2 + 7 * g) / 365;
  const strikes = Float64Array.from({ length: 41 }, (_, k) => 23000 + 50 * k);
  return { index: "NIFTY", tag: `t${g}`, expiry: `2026-12-${String(1 + g).padStart(2, "0")}`, spot: 24010, atm: 24000, T, df: Math.exp(-0.065 * T), strikes };
});

/** A quoted batch whose legs carry "recorded" analytics: IV 0.2 + leg/1e6, Greeks made distinct; the first leg's IV missing. */
function recordedBatch(): ChainBatch {
  const b = quotedBatch(SPECS, 5);
  for (let i = 0; i < b.legs; i++) {
    b.iv[i] = 0.2 + i / 1e6;
    for (const f of LEG_OUTPUT_FIELDS) if (f !== "iv") b[f][i] = i + 0.5;
  }
  b.iv[0] = Number.NaN;
  return b;
}
const pool = createWorkerPool({ size: 2, timeoutMs: 5000, maxRestarts: 10, restartWindowMs: 60_000, backoffMs: 0, kernels: COMPUTE_KERNELS });
afterAll(() => pool.close());

test("kept analytics stand, inline and on the workers; forward and failure reasons are derived", async () => {
  const want = recordedBatch();
  const inline = recordedBatch();
  enrichGroups(inline, 0, inline.groups, { ...params, keepAnalytics: true });
  const sharded = recordedBatch();
  const { report } = await enrichBatch(pool, sharded, { ...params, keepAnalytics: true }, { minShardLegs: 50 });
  expect(report.shards).toBe(2);
  for (const b of [inline, sharded]) {
    for (const f of LEG_OUTPUT_FIELDS) expect([f, Array.from(b[f])]).toEqual([f, Array.from(want[f])]);
    for (let g = 0; g < b.groups; g++) expect(b.g_forward[g]!).toBeGreaterThan(23900);
    // The leg without an IV has a price, so a reason other than "no price"; the others none.
    expect(b.ivFail[0]).not.toBe(0);
    expect(b.ivFail[0]).not.toBe(ivFailCode("no_price"));
    expect(b.ivFail.slice(1).every((c) => c === 0)).toBe(true);
  }
  expect(Array.from(sharded.g_forward)).toEqual(Array.from(inline.g_forward));
});

test("without keepAnalytics the same batch's IVs are solved from its prices", () => {
  const b = recordedBatch();
  enrichGroups(b, 0, b.groups, params);
  let replaced = 0;
  for (let i = 0; i < b.legs; i++) if (b.iv[i] !== 0.2 + i / 1e6) replaced++;
  expect(replaced).toBe(b.legs);
});
