/**
 * A streaming provider's health reaches GET /status as `provider_stream` (before the first cycle
 * too), and is absent for a provider that does not stream.
 */
import { afterEach, expect, test } from "bun:test";
import type { StreamHealth } from "../../src/contracts/index.ts";
import { createObservability } from "../../src/metrics/index.ts";
import { startServer, type G6Server } from "../../src/server/server.ts";
import { createLatestState } from "../../src/state/index.ts";
import { instantClock, tempDir, testConfig } from "../helpers/engine.ts";

const started: G6Server[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
});

const HEALTH: StreamHealth = {
  mode: "stream",
  reason: null,
  connections: 2,
  subscribed: 3120,
  indices: [{ index: "NIFTY", legs: 168, newestAgeMs: 40, oldestAgeMs: 9000, neverTicked: 3 }],
  reconnects: 1,
  stalls: 0,
  errorFrames: 2,
  packets: 123456,
  seedRequests: 4,
};

for (const health of [HEALTH, null]) {
  test(`/status ${health ? "carries" : "leaves out"} provider_stream`, async () => {
    const config = testConfig({ storage: { data_dir: tempDir() }, server: { enabled: true, port: 0 } });
    const observability = createObservability(config, { now: () => instantClock.now() });
    const state = createLatestState({ now: () => instantClock.now(), providerOpen: () => true, providerHealth: () => health });
    const srv = startServer(config.server, { state, observability });
    started.push(srv);
    const doc = (await (await fetch(`${srv.url}/status`)).json()) as { provider_stream?: StreamHealth };
    expect(doc.provider_stream ?? null).toEqual(health);
  });
}
