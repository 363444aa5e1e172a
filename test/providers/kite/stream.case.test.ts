/**
 * The Kite provider in stream mode runs the provider conformance suite against the fake Kite
 * server's ticker (and its REST for the listing and the start's seed).
 */
import { afterAll } from "bun:test";
import { createKiteStreamProvider } from "../../../src/providers/kite/stream.ts";
import { kiteConformance } from "../../fakes/kite/provider-options.ts";

kiteConformance(
  "kite (stream)",
  (opts, fake) => createKiteStreamProvider(opts, { wsUrl: fake.wsUrl, marginStrikes: 2, silenceMs: 5000, backoffBaseMs: 100, backoffMaxMs: 1000, connectTimeoutMs: 3000, fallbackToRest: false }),
  afterAll,
);
