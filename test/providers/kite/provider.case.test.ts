/**
 * The Kite Connect provider runs the provider conformance suite against the fake Kite server
 * (its quote rate limit off: pacing is the running provider's, tested with the engine).
 */
import { afterAll } from "bun:test";
import { createKiteProvider } from "../../../src/providers/kite/provider.ts";
import { kiteConformance } from "../../fakes/kite/provider-options.ts";

kiteConformance("kite", (opts) => createKiteProvider(opts), afterAll);
