/**
 * Provider options for the Kite providers against a fake Kite server, and the provider
 * conformance suite run on a fresh fake: the settings tests share, in one place.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Provider } from "../../../src/contracts/index.ts";
import { INDEX_NAMES } from "../../../src/market/indices.ts";
import { KITE_SPOT_SYMBOLS } from "../../../src/providers/kite/instruments.ts";
import type { KiteProviderOptions } from "../../../src/providers/kite/provider.ts";
import { providerConformance } from "../../conformance/provider.case.ts";
import { type FakeKite, startFakeKite } from "./server.ts";

/** Options for a provider on `fake` with `token` (a fresh temporary data directory unless given). */
export function kiteOptions(fake: FakeKite, token: () => string | undefined, over: Partial<KiteProviderOptions> = {}): KiteProviderOptions {
  return {
    restUrl: fake.url,
    apiKey: fake.apiKey,
    accessToken: token,
    accessTokenExpiresAt: () => Number.NaN,
    timeoutMs: 2000,
    instrumentsTimeoutMs: 5000,
    instrumentsRefresh: "08:30",
    dataDir: mkdtempSync(join(tmpdir(), "g6-kite-")),
    indices: INDEX_NAMES,
    spotSymbols: KITE_SPOT_SYMBOLS,
    now: Date.now,
    ...over,
  };
}

/** A Thursday, 10:30 IST: the fakes' market clock in the conformance runs. */
const AT = Date.parse("2026-11-26T05:00:00Z");

/**
 * The provider conformance suite for a Kite provider built by `make` (options on a fresh fake
 * with its quote rate limit off: pacing is the running provider's, tested with the engine); the
 * failing provider's fake answers every call 503. Providers and fakes are closed after the file.
 */
export function kiteConformance(name: string, make: (opts: KiteProviderOptions, fake: FakeKite) => Provider, afterAll: (fn: () => Promise<void>) => void): void {
  const fakes: FakeKite[] = [];
  const providers: Provider[] = [];
  afterAll(async () => {
    for (const p of providers) await p.close();
    for (const f of fakes) await f.close();
  });
  const build = (fake: FakeKite) => {
    const token = fake.createSession();
    const p = make(kiteOptions(fake, () => token, { now: () => AT }), fake);
    providers.push(p);
    return p;
  };
  providerConformance(
    name,
    () => {
      const fake = startFakeKite({ market: { now: () => AT } });
      fake.switches.rateLimit = false;
      fakes.push(fake);
      return {
        provider: build(fake),
        at: AT,
        indices: ["NIFTY", "BANKNIFTY", "SENSEX"],
        unknownIndex: "NOSUCHINDEX",
        failing: () => {
          const down = startFakeKite({ market: { now: () => AT } });
          fakes.push(down);
          down.switches.failures.push({ status: 503, errorType: "NetworkException", times: Number.POSITIVE_INFINITY });
          return build(down);
        },
      };
    },
    // Quotes are the fake market's, not drawn from a seed.
    { lacks: ["deterministic"] },
  );
}
