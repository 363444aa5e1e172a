/**
 * The Kite Connect provider runs the provider conformance suite against the fake Kite server
 * (its quote rate limit off: pacing is the running provider's, tested with the engine).
 */
import { afterAll } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { INDEX_NAMES } from "../../../src/market/indices.ts";
import { createKiteProvider } from "../../../src/providers/kite/provider.ts";
import { KITE_SPOT_SYMBOLS } from "../../../src/providers/kite/instruments.ts";
import { providerConformance } from "../../conformance/provider.case.ts";
import { type FakeKite, startFakeKite } from "../../fakes/kite/server.ts";

const AT = Date.parse("2026-11-26T05:00:00Z"); // Thursday 10:30 IST
const fakes: FakeKite[] = [];
afterAll(async () => {
  for (const f of fakes) await f.close();
});

function kite(fake: FakeKite, token: string) {
  return createKiteProvider({
    restUrl: fake.url,
    apiKey: fake.apiKey,
    accessToken: () => token,
    accessTokenExpiresAt: () => Number.NaN,
    timeoutMs: 2000,
    instrumentsTimeoutMs: 5000,
    instrumentsRefresh: "08:30",
    dataDir: mkdtempSync(join(tmpdir(), "g6-kite-case-")),
    indices: INDEX_NAMES,
    spotSymbols: KITE_SPOT_SYMBOLS,
    now: () => AT,
  });
}

providerConformance(
  "kite",
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
