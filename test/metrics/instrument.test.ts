/** instrumentProvider and instrumentSink count, time and rethrow without changing results. */
import { expect, test } from "bun:test";
import { Registry } from "prom-client";
import { createBatch } from "../../src/chain/batch.ts";
import { CATALOG } from "../../src/metrics/catalog.ts";
import { instrumentProvider, instrumentSink } from "../../src/metrics/index.ts";
import { registerGroup } from "../../src/metrics/registry.ts";
import { type Provider, ProviderError, type Sink } from "../../src/contracts/index.ts";

/** A provider whose quotes are refused by a rate limit and whose spot fails with a bad payload. */
const flaky: Provider = {
  name: "flaky",
  open: async () => {},
  listExpiries: async () => ["2026-11-24"],
  instruments: async () => [],
  spot: async () => {
    throw new ProviderError("bad_data", "spot payload without last price");
  },
  quotes: async () => {
    throw new ProviderError("rate_limited", "429 from upstream");
  },
  close: async () => {},
};

test("every call is counted by endpoint and result, errors by code, latency in seconds", async () => {
  const registry = new Registry();
  const h = registerGroup(registry, CATALOG.provider);
  let t = 0;
  const p = instrumentProvider(flaky, h, () => (t += 250));
  expect(p.isOpen).toBe(false);
  await p.open();
  expect(p.isOpen).toBe(true);
  expect(await p.listExpiries("NIFTY", "2026-11-20")).toEqual(["2026-11-24"]);
  await expect(p.spot(["NIFTY"], 0)).rejects.toThrow("spot payload without last price");
  const batch = createBatch([]);
  await expect(p.quotes(batch, 0)).rejects.toBeInstanceOf(ProviderError);
  await p.close();
  expect(p.isOpen).toBe(false);
  const text = await registry.metrics();
  expect(text).toContain('g6_provider_requests_total{endpoint="list_expiries",result="ok"} 1');
  expect(text).toContain('g6_provider_requests_total{endpoint="spot",result="error"} 1');
  expect(text).toContain('g6_provider_errors_total{endpoint="spot",code="bad_data"} 1');
  expect(text).toContain('g6_provider_errors_total{endpoint="quotes",code="rate_limited"} 1');
  expect(text).toContain('g6_provider_rate_limit_waits_total{endpoint="quotes"} 1');
  expect(text).toContain('g6_provider_request_duration_seconds_sum{endpoint="open"} 0.25');
  expect(text).toContain("g6_provider_open 0");
});

test("sink writes and flushes are timed; a flush failure is counted and rethrown", async () => {
  const registry = new Registry();
  const h = registerGroup(registry, CATALOG.storage);
  const failing: Sink = {
    name: "csv",
    open: async () => {},
    write: async () => ({ rows: 3, bytes: 30, duplicatesSkipped: 0 }),
    flush: async () => {
      throw new Error("disk full");
    },
    close: async () => {},
  };
  let t = 0;
  const s = instrumentSink(failing, h, () => (t += 2));
  await expect(s.flush()).rejects.toThrow("disk full");
  const text = await registry.metrics();
  expect(text).toContain('g6_storage_errors_total{sink="csv"} 1');
  expect(text).toContain('g6_storage_flush_duration_seconds_count{sink="csv"} 1');
  expect(text).toContain('g6_storage_flush_duration_seconds_sum{sink="csv"} 0.002');
});
