/**
 * The Kite provider in stream mode runs the provider conformance suite against the fake Kite
 * server's ticker (and its REST for the listing and the start's seed).
 */
import { afterAll } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INDEX_NAMES } from "../../../src/market/indices.ts";
import { KITE_SPOT_SYMBOLS } from "../../../src/providers/kite/instruments.ts";
import { createKiteStreamProvider, type KiteStreamProvider } from "../../../src/providers/kite/stream.ts";
import { providerConformance } from "../../conformance/provider.case.ts";
import { type FakeKite, startFakeKite } from "../../fakes/kite/server.ts";

const AT = Date.parse("2026-11-26T05:00:00Z"); // Thursday 10:30 IST
const fakes: FakeKite[] = [];
const providers: KiteStreamProvider[] = [];
afterAll(async () => {
  for (const p of providers) await p.close();
  for (const f of fakes) await f.close();
});

function kite(fake: FakeKite, token: string): KiteStreamProvider {
  const p = createKiteStreamProvider(
    {
      restUrl: fake.url,
      apiKey: fake.apiKey,
      accessToken: () => token,
      accessTokenExpiresAt: () => Number.NaN,
      timeoutMs: 2000,
      instrumentsTimeoutMs: 5000,
      instrumentsRefresh: "08:30",
      dataDir: mkdtempSync(join(tmpdir(), "g6-kite-stream-case-")),
      indices: INDEX_NAMES,
      spotSymbols: KITE_SPOT_SYMBOLS,
      now: () => AT,
    },
    { wsUrl: fake.wsUrl, marginStrikes: 2, silenceMs: 5000, backoffBaseMs: 100, backoffMaxMs: 1000, connectTimeoutMs: 3000, fallbackToRest: false },
  );
  providers.push(p);
  return p;
}

providerConformance(
  "kite (stream)",
  () => {
    const fake = startFakeKite({ market: { now: () => AT } });
    fake.switches.rateLimit = false;
    fakes.push(fake);
    return {
      provider: kite(fake, fake.createSession()),
      at: AT,
      indices: ["NIFTY", "BANKNIFTY", "SENSEX"],
      unknownIndex: "NOSUCHINDEX",
      failing: () => {
        const down = startFakeKite({ market: { now: () => AT } });
        fakes.push(down);
        down.switches.failures.push({ status: 503, errorType: "NetworkException", times: Number.POSITIVE_INFINITY });
        return kite(down, down.createSession());
      },
    };
  },
  // Quotes are the fake market's, not drawn from a seed.
  { lacks: ["deterministic"] },
);
