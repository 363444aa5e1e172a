/**
 * `bun bench/kite-session.ts [--cycles N] [--interval S]`: the Kite provider's figures on the fake
 * Kite server (test/fakes/kite), the real app and engine, the default plan (5 indices, 14
 * expiries, 21 strikes: 588 legs, 2 quote requests + 1 spot request a cycle), market.force_open:
 * - start-up: provider open (profile + four instrument dumps + catalog) downloading the dumps,
 *   and again with the day's dumps cached;
 * - cycle wall time (spot through score) and the fetch phase against the pacing floor: with the
 *   quote family at 1 request a second, spaced from each answer, three requests cannot take
 *   less than 2 s plus the last answer's time;
 * - snapshot skew (last − first quote time of a cycle; the fake stamps to the second) and data age.
 * Real time (the pacing is real), so it is not part of `bun bench`; it takes about cycles ×
 * interval seconds.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { createApp } from "../src/app.ts";
import { createConfigStore } from "../src/config/store.ts";
import type { CycleResult } from "../src/contracts/index.ts";
import { INDEX_NAMES } from "../src/market/indices.ts";
import { KITE_SPOT_SYMBOLS } from "../src/providers/kite/instruments.ts";
import { createKiteProvider } from "../src/providers/kite/provider.ts";
import { startFakeKite } from "../test/fakes/kite/server.ts";
import { quietLog } from "./support.ts";

const { values } = parseArgs({ options: { cycles: { type: "string", default: "8" }, interval: { type: "string", default: "5" } } });
const cycles = Number(values.cycles);
const interval = Number(values.interval);

const fake = startFakeKite();
const dir = mkdtempSync(join(tmpdir(), "g6-kite-bench-"));
const dataDir = join(dir, "data");
const secrets = join(dir, "secrets.json");
writeFileSync(secrets, JSON.stringify({ provider: { kite: { access_token: fake.createSession() } } }), { mode: 0o600 });

// Start-up: open with the dumps downloaded, then with them cached (three times, the median).
async function openMs(): Promise<number> {
  const p = createKiteProvider({
    restUrl: fake.url,
    apiKey: fake.apiKey,
    accessToken: () => fake.createSession(),
    accessTokenExpiresAt: () => Number.NaN,
    timeoutMs: 7000,
    instrumentsTimeoutMs: 60_000,
    instrumentsRefresh: "08:30",
    dataDir,
    indices: INDEX_NAMES,
    spotSymbols: KITE_SPOT_SYMBOLS,
    now: Date.now,
  });
  const t0 = performance.now();
  await p.open();
  return performance.now() - t0;
}
const cold = await openMs();
const cached = [await openMs(), await openMs(), await openMs()].sort((a, b) => a - b)[1]!;

const file = join(dir, "g6.json");
writeFileSync(
  file,
  JSON.stringify({
    interval,
    secrets_file: secrets,
    market: { force_open: true },
    provider: { kind: "kite", kite: { api_key: fake.apiKey, rest_url: fake.url } },
    storage: { data_dir: dataDir },
    server: { enabled: false },
    summary: { mode: "off" },
  }),
);
const store = createConfigStore({ file, env: {} });
const results: CycleResult[] = [];
const app = createApp(store.current, { log: quietLog, currentConfig: () => store.current, onCycle: (r) => results.push(r) });
await app.run({ cycles, signal: new AbortController().signal });
await fake.close();

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { p50: s[Math.floor(s.length / 2)]!, max: s.at(-1)! };
};
const f = (x: number, d = 0) => x.toFixed(d);
const measured = results.slice(1); // the first cycle also warms the JIT
const total = stat(measured.map((r) => r.durations.total));
const fetchMs = stat(measured.map((r) => r.durations.fetch));
const spotMs = stat(measured.map((r) => r.durations.spot));
const skew = stat(measured.map((r) => r.quoteTimes?.skewMs ?? Number.NaN));
const age = stat(measured.map((r) => r.quoteTimes?.ageMs ?? Number.NaN));
const legs = results[0]?.legsRequested ?? 0;
console.log(`kite on the fake server: ${legs} legs a cycle, ${results.length} cycles at ${interval} s, statuses ${[...new Set(results.map((r) => r.status))].join("/")}`);
console.log(`  start-up (open: profile, 4 dumps, catalog): downloading ${f(cold)} ms, cached ${f(cached)} ms (median of 3)`);
console.log(`  cycle spot..score p50 ${f(total.p50)} ms (max ${f(total.max)}); spot phase p50 ${f(spotMs.p50)} ms; fetch phase p50 ${f(fetchMs.p50)} ms`);
console.log(`  pacing floor: 3 requests (1 spot + ${Math.ceil(legs / 500)} quote) at 1/s spaced from each answer ≥ 2000 ms + answer times`);
console.log(`  snapshot skew p50 ${f(skew.p50)} ms (max ${f(skew.max)}); oldest quote's age when collected p50 ${f(age.p50)} ms`);
console.log(`  429 answers served: ${fake.counters.rateLimited}; /quote requests ${fake.counters.requests["GET /quote"] ?? 0}`);
