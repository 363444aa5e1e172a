/**
 * End to end on the fake Kite server in stream mode: the real app and engine on the wall clock
 * (market.force_open, 1 s interval). The ladder follows a moving ATM with no request per cycle,
 * the ticker is dropped and then muted mid-session and collection resumes with every leg, the
 * status and metrics show the stream's health; a plan beyond 9,000 instruments is refused at
 * start, and a ticker that cannot be reached falls back to REST polling when configured.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { ConfigError } from "../../src/config/errors.ts";
import { createConfigStore } from "../../src/config/store.ts";
import type { CycleResult, StreamHealth } from "../../src/contracts/index.ts";
import { type FakeKite, startFakeKite } from "../fakes/kite/server.ts";
import { quietLog, tempDir } from "../helpers/engine.ts";

let fake: FakeKite;
const dir = tempDir("g6-kite-stream-e2e-");
const secretsFile = join(dir, "secrets.json");

function writeSecrets(token: string): void {
  const tmp = `${secretsFile}.tmp`;
  writeFileSync(tmp, JSON.stringify({ provider: { kite: { access_token: token } } }), { mode: 0o600 });
  renameSync(tmp, secretsFile);
}

function configFile(name: string, extra: Record<string, unknown> = {}, stream: Record<string, unknown> = {}, kite: Record<string, unknown> = {}): string {
  const path = join(dir, name);
  const doc = {
    interval: 1,
    secrets_file: secretsFile,
    market: { force_open: true },
    provider: {
      kind: "kite",
      kite: { api_key: fake.apiKey, rest_url: fake.url, ws_url: fake.wsUrl, mode: "stream", stream: { silence_ms: 1500, backoff_base_ms: 100, backoff_max_ms: 400, ...stream }, ...kite },
    },
    storage: { data_dir: join(dir, `data-${name}`), panels: { enabled: false } },
    server: { enabled: false },
    pool: { size: 0 },
    summary: { mode: "off" },
    // The ladder's subscriptions and requests are what is checked here; the chain scope (the
    // default) subscribes and seeds every listed strike of each expiry besides.
    analytics: { scope: "window" },
    ...extra,
  };
  writeFileSync(path, JSON.stringify(doc));
  return path;
}

type Run = { results: CycleResult[]; health: (StreamHealth | null)[]; subscribed: Set<number>[]; quoteCalls: number[]; metrics: string };

async function runApp(file: string, cycles: number, after: (n: number) => void = () => {}): Promise<Run> {
  const store = createConfigStore({ file, env: {} });
  const run: Run = { results: [], health: [], subscribed: [], quoteCalls: [], metrics: "" };
  const app = createApp(store.current, {
    log: quietLog,
    currentConfig: () => store.current,
    onCycle: (r) => {
      run.results.push(r);
      run.health.push(app.state.providerHealth());
      run.subscribed.push(new Set(fake.ticker.subscribed()));
      run.quoteCalls.push(fake.counters.requests["GET /quote"] ?? 0);
      after(r.cycle);
    },
  });
  await app.run({ cycles, signal: new AbortController().signal });
  run.metrics = await app.observability.render();
  return run;
}

const tokenOf = (index: "NIFTY", expiry: string, strike: number): number =>
  fake.market.rows("NFO").find((r) => r.name === index && r.expiry === expiry && r.strike === strike && r.instrument_type === "CE")!.instrument_token;

beforeAll(() => {
  fake = startFakeKite();
  // Kite heartbeats about every second when nothing changes; the fake a bit faster (silence_ms is 1.5 s here).
  fake.ticker.heartbeatMs = 300;
  writeSecrets(fake.createSession());
});
afterAll(async () => {
  await fake.close();
});

describe("a streaming session on the fake Kite server", () => {
  let run: Run;
  const CYCLES = 12;
  beforeAll(async () => {
    run = await runApp(configFile("g6.json"), CYCLES, (n) => {
      // ATM moves 3 strikes (the margin is 5): the next ladder's strikes are already ticking.
      if (n === 2) fake.market.setSpot("NIFTY", 24150);
      if (n === 4) fake.ticker.dropAfter(0);
      if (n === 7) fake.ticker.muteAfter(0);
    });
  }, 90_000);

  test("every cycle after the first collects every leg from the tick table; the last ones after the drop and the mute too", () => {
    const legs = (2 * 4 + 3 * 2) * 21 * 2;
    expect(run.results).toHaveLength(CYCLES);
    expect(run.results[0]!.legsRequested).toBe(legs);
    expect(run.results[0]!.legsCollected).toBe(legs);
    for (const r of run.results.slice(-2)) {
      expect(r.status).toBe("OK");
      expect(r.legsCollected).toBe(legs);
    }
    // Quote times are the ticks' exchange times (a leg ticks only when it changes).
    expect(run.results.at(-1)!.quoteTimes).not.toBeNull();
  });

  test("no request per cycle: /quote was asked only by the start's seed", () => {
    // Seed: at most 588 legs in 500-leg chunks (2 requests) and the spots (1); fewer when ticks came first.
    expect(run.quoteCalls[0]).toBeGreaterThanOrEqual(1);
    expect(run.quoteCalls[0]).toBeLessThanOrEqual(3);
    expect(run.quoteCalls.at(-1)).toBe(run.quoteCalls[0]!);
    expect(fake.counters.rateLimited).toBe(0);
  });

  test("the NIFTY ladder and its subscriptions follow the ATM", () => {
    const nifty = (r: CycleResult) => r.indices.find((i) => i.index === "NIFTY")!;
    expect(nifty(run.results[1]!).atm).toBe(24000);
    expect(nifty(run.results.at(-1)!).atm).toBe(24150);
    const expiry = fake.market.expiries("NIFTY")[0]!;
    // Before: 24000 ± (10 + 5) strikes; after: 24150 ± 15.
    expect(run.subscribed[1]!.has(tokenOf("NIFTY", expiry, 23250))).toBe(true);
    expect(run.subscribed[1]!.has(tokenOf("NIFTY", expiry, 24900))).toBe(false);
    expect(run.subscribed[3]!.has(tokenOf("NIFTY", expiry, 24900))).toBe(true);
    expect(run.subscribed[3]!.has(tokenOf("NIFTY", expiry, 23250))).toBe(false);
  });

  test("the drop and the mute were noticed and recovered; status and metrics show the stream's health", () => {
    expect(fake.ticker.counters.dropped).toBe(1);
    expect(fake.ticker.counters.connections).toBeGreaterThanOrEqual(3);
    const h = run.health.at(-1)!;
    expect(h.mode).toBe("stream");
    expect(h.connections).toBe(1);
    expect(h.stalls).toBe(1);
    expect(h.reconnects).toBeGreaterThanOrEqual(2);
    expect(h.indices.map((i) => i.index).sort()).toEqual(["BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "NIFTY", "SENSEX"]);
    for (const i of h.indices) {
      expect(i.neverTicked).toBe(0);
      expect(i.newestAgeMs).toBeGreaterThanOrEqual(0);
      expect(i.oldestAgeMs).toBeGreaterThanOrEqual(i.newestAgeMs);
    }
    expect(run.metrics).toContain("g6_provider_stream_connections 1");
    expect(run.metrics).toContain("g6_provider_stream_stalls_total 1");
    expect(run.metrics).toContain('g6_provider_stream_never_ticked_legs{index="NIFTY"} 0');
    expect(run.metrics).toContain("g6_provider_stream_fallback 0");
  });
});

describe("refusals and the fallback", () => {
  test("a plan beyond 9,000 instruments is refused at start, naming the limit", async () => {
    const wide = { strikes_below: 200, strikes_above: 200 };
    const err = await runApp(configFile("wide.json", { indices: { NIFTY: wide, SENSEX: wide, BANKNIFTY: wide, FINNIFTY: wide, MIDCPNIFTY: wide } }), 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.join("\n")).toContain('provider.kite.mode: "stream" watches at most 9000 instruments');
  });

  test("a ticker that refuses the upgrade: with fallback_to_rest the session polls REST, shown in status and metrics", async () => {
    const refuse = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("no", { status: 503 }) });
    try {
      const file = configFile("fallback.json", { indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } } }, { fallback_to_rest: true }, { ws_url: `ws://127.0.0.1:${refuse.port}/` });
      const run = await runApp(file, 2);
      const legs = 4 * 21 * 2;
      for (const r of run.results) expect(r.legsCollected).toBe(legs);
      expect(run.health.at(-1)!.mode).toBe("rest_fallback");
      expect(run.health.at(-1)!.reason).toContain("503");
      expect(run.metrics).toContain("g6_provider_stream_fallback 1");
      expect(fake.counters.rateLimited).toBe(0);
    } finally {
      await refuse.stop(true);
    }
  }, 60_000);
});

describe("chain scope in stream mode", () => {
  /** Kite's quote limit is a one-second window per API key: the test session before may have asked within it. */
  const afterTheLastSession = () => Bun.sleep(1100);
  const niftyOnly = { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } };

  test("the chain legs are subscribed and seeded once: the aggregates cover the whole chain, and then no request per cycle", async () => {
    await afterTheLastSession();
    const limited = fake.counters.rateLimited;
    const run = await runApp(configFile("chain.json", { indices: niftyOnly, analytics: { scope: "chain" } }), 5);
    const last = run.results.at(-1)!;
    const nifty = last.expiries.filter((e) => e.index === "NIFTY");
    expect(nifty).toHaveLength(4);
    for (const e of nifty) {
      expect(e.scope).toBe("chain");
      expect(e.aggregatesComplete).toBe(true);
      expect(e.aggregateStrikes).toBeGreaterThan(21);
    }
    // Every listed strike of the expiries is watched besides the ladder.
    const watched = run.subscribed.at(-1)!.size;
    expect(watched).toBeGreaterThanOrEqual(nifty.reduce((a, e) => a + 2 * e.aggregateStrikes, 0));
    // Seeds happen when legs are first asked for; the last cycles ask Kite nothing.
    expect(run.quoteCalls.at(-1)).toBe(run.quoteCalls.at(-2)!);
    expect(fake.counters.rateLimited).toBe(limited);
  }, 90_000);

  test("REST fallback in chain scope: the ladder and the chain legs are paced at Kite's 1 request a second (no 429)", async () => {
    const refuse = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("no", { status: 503 }) });
    try {
      await afterTheLastSession();
      const limited = fake.counters.rateLimited;
      const file = configFile("chain-fallback.json", { indices: niftyOnly, analytics: { scope: "chain" } }, { fallback_to_rest: true }, { ws_url: `ws://127.0.0.1:${refuse.port}/` });
      const run = await runApp(file, 2);
      for (const r of run.results) {
        expect(r.legsCollected).toBe(4 * 21 * 2);
        for (const e of r.expiries) expect(e.aggregatesComplete).toBe(true);
      }
      expect(run.health.at(-1)!.mode).toBe("rest_fallback");
      expect(fake.counters.rateLimited).toBe(limited);
    } finally {
      await refuse.stop(true);
    }
  }, 90_000);
});
