/**
 * Recycled shard buffers: the store hands back what it was given when it fits, and a pooled
 * enrichment that reuses buffers across cycles (returned by the workers, sent back to them)
 * gives the same bytes as inline enrichment, cycle after cycle, with different quotes each time
 * (stale contents of a recycled buffer never leak into a result).
 */
import { afterAll, describe, expect, test } from "bun:test";
import { createBufferStore, takeArray, threadBuffers } from "../../src/chain/recycle.ts";
import { enrichGroups } from "../../src/chain/enrich.ts";
import { enrichBatch } from "../../src/engine/compute.ts";
import { enrichParams } from "../../src/engine/cycle.ts";
import { createWorkerPool } from "../../src/engine/pool.ts";
import { quotedBatch } from "../../bench/support.ts";
import { renderRowBodies } from "../../src/g6csv/index.ts";
import { testConfig } from "../helpers/engine.ts";

const KB = 1024;

describe("buffer store", () => {
  test("a given buffer is taken again when it fits; otherwise a fresh one of the size asked", () => {
    const store = createBufferStore();
    const a = new ArrayBuffer(100 * KB);
    const b = new ArrayBuffer(300 * KB);
    store.give([a, b]);
    expect(store.size).toBe(2);
    // 90 KB: a fits (smallest that fits); 200 KB: b fits (at most twice the request).
    expect(store.take(90 * KB)).toBe(a);
    expect(store.take(200 * KB)).toBe(b);
    expect(store.size).toBe(0);
    const fresh = store.take(50 * KB);
    expect(fresh).not.toBe(a);
    expect(fresh.byteLength).toBe(50 * KB);
  });

  test("a buffer more than twice the request is not wasted on it", () => {
    const store = createBufferStore();
    const big = new ArrayBuffer(1024 * KB);
    store.give([big]);
    expect(store.take(100 * KB)).not.toBe(big);
    expect(store.size).toBe(1);
  });

  test("small, duplicate and detached buffers are not kept; the store is bounded", () => {
    const store = createBufferStore();
    const a = new ArrayBuffer(64 * KB);
    store.give([new ArrayBuffer(1024), a, a]);
    expect(store.size).toBe(1);
    const detached = new ArrayBuffer(128 * KB);
    structuredClone(detached, { transfer: [detached] });
    store.give([detached]);
    expect(store.size).toBe(1);
    store.give(Array.from({ length: 100 }, () => new ArrayBuffer(64 * KB)));
    expect(store.size).toBe(64);
    expect(store.drain(5)).toHaveLength(5);
    expect(store.size).toBe(59);
  });

  test("takeArray gives a view of n elements over a recycled buffer", () => {
    const store = createBufferStore();
    const buf = new ArrayBuffer(120 * KB);
    store.give([buf]);
    const a = takeArray(Float64Array, 10_000, store);
    expect(a.length).toBe(10_000);
    expect(a.buffer).toBe(buf);
    expect(takeArray(Float64Array, 10, store).buffer.byteLength).toBe(80);
  });
});

describe("pooled enrichment with recycled buffers", () => {
  const params = enrichParams(testConfig({}));
  // 24 groups of 801 strikes: 38,448 legs, two shards of ~19,000 legs (150 KB per Float64 field).
  const specs = Array.from({ length: 24 }, (_, g) => {
    const T = (2 + 7 * g) / 365;
    const strikes = Float64Array.from({ length: 801 }, (_, k) => 4000 + 50 * k);
    return { index: "NIFTY", tag: `t${g}`, expiry: `2027-${String(1 + (g % 12)).padStart(2, "0")}-01`, spot: 24010, atm: 24000, T, df: Math.exp(-0.065 * T), strikes };
  });
  const pool = createWorkerPool({ size: 2, timeoutMs: 20_000, maxRestarts: 10, restartWindowMs: 60_000, backoffMs: 0 });
  afterAll(() => pool.close());

  test("cycle after cycle the bytes equal inline enrichment, and the workers' buffers come back", async () => {
    const before = threadBuffers.size;
    for (const seed of [11, 12, 13, 14]) {
      const faults = { missing: 0.05 * (seed - 10), zero: 0.02, stale: 0.05 };
      const inline = quotedBatch(specs, seed, faults);
      enrichGroups(inline, 0, inline.groups, params);
      const pooled = quotedBatch(specs, seed, faults);
      const run = await enrichBatch(pool, pooled, params, { render: "2026-11-20 10:30:00" });
      expect(run.report.shards).toBe(2);
      for (const f of ["iv", "delta", "gamma", "theta", "vega", "rho", "ivSource", "ivFail", "g_forward", "forwardSource"] as const) {
        const x = inline[f];
        const y = pooled[f];
        expect(Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x.buffer, x.byteOffset, x.byteLength))).toBe(true);
      }
      const rows = Buffer.concat(run.rendered!.map((r) => r.bytes));
      expect(rows.equals(Buffer.from(renderRowBodies(inline, 0, inline.groups, "2026-11-20 10:30:00").bytes))).toBe(true);
      // The workers sent their input buffers back: the main thread cuts the next shards from them.
      expect(threadBuffers.size).toBeGreaterThan(before);
    }
  });
});

describe("rendered rows in recycled memory", () => {
  test("rows render into a buffer given back earlier, with the same bytes as into fresh memory", () => {
    // 10 groups of 401 strikes: 8,020 legs, a row capacity over 1 MB (a recyclable row buffer).
    const specs = Array.from({ length: 10 }, (_, g) => {
      const T = (3 + 7 * g) / 365;
      return { index: "NIFTY", tag: `t${g}`, expiry: `2027-01-${String(1 + g).padStart(2, "0")}`, spot: 24010, atm: 24000, T, df: Math.exp(-0.065 * T), strikes: Float64Array.from({ length: 401 }, (_, k) => 14000 + 50 * k) };
    });
    const b = quotedBatch(specs, 5, { missing: 0.1, zero: 0.02, stale: 0.05 });
    enrichGroups(b, 0, b.groups, enrichParams(testConfig({})));
    const fresh = Buffer.from(renderRowBodies(b, 0, b.groups, "2026-11-20 10:30:00").bytes);
    // A used buffer full of other bytes: rendering must overwrite what it reports.
    const used = new ArrayBuffer(b.legs * 140 + 4096);
    new Uint8Array(used).fill(0x41);
    threadBuffers.give([used]);
    const again = renderRowBodies(b, 0, b.groups, "2026-11-20 10:30:00");
    expect(again.bytes.buffer).toBe(used);
    expect(Buffer.from(again.bytes).equals(fresh)).toBe(true);
  });
});

