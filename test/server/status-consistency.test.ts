/**
 * /status, /readyz and the /events snapshot show the published cycle with that cycle's counters,
 * beside the storage counters as they are now (sinks write off the cycle's critical path), even
 * while a sink is still writing and after the run has ended.
 */
import { afterEach, expect, test } from "bun:test";
import { createEnricher } from "../../src/app.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createObservability } from "../../src/metrics/index.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import { startServer, type G6Server } from "../../src/server/server.ts";
import { createLatestState } from "../../src/state/index.ts";
import type { Sink, SinkTotals } from "../../src/contracts/index.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";
import { connectSse } from "../helpers/sse.ts";

const started: G6Server[] = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
});

type StatusDoc = { cycle: number; cycles_run: number; sinks: Record<string, { rows: number; bytes: number; written: number; queued: number }> };

test("while cycle 2 is being written, /status shows cycle 2 with cycles_run 2, the storage counters as they are now, and the events snapshot agrees", async () => {
  const config = testConfig({
    pool: { size: 0 },
    provider: { sim: { start: "2026-11-20T10:00" } },
    storage: { data_dir: tempDir() },
    indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false } },
    server: { enabled: true, port: 0 },
  });
  const calendar = createMarketCalendar({ holidays: [] });
  const observability = createObservability(config, { now: () => instantClock.now() });
  const provider = observability.instrumentProvider(createSimProvider({ config, calendar }));
  let live: Record<string, SinkTotals> = {};
  const state = createLatestState({ now: () => instantClock.now(), providerOpen: () => provider.isOpen, storage: () => live });
  state.subscribe(({ result, stats }) => observability.onCycle(result, stats));

  // Writes 5 rows of 100 bytes per cycle; cycle 2's write waits until the test lets it go.
  let paused!: () => void;
  const inCycle2 = new Promise<void>((r) => (paused = r));
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const gate: Sink = {
    name: "gate",
    open: async () => {},
    write: async (r) => {
      if (r.cycle === 2) {
        paused();
        await released;
      }
      return { rows: 5, bytes: 100, duplicatesSkipped: 0 };
    },
    flush: async () => {},
    close: async () => {},
  };
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, instantClock.now()), 60_000);
  const engine = createEngine({
    config,
    provider,
    sinks: [gate],
    enrich: createEnricher(config, null),
    snapshotAt: () => simClock.next(),
    clock: instantClock,
    elapsed: () => performance.now(),
    log: quietLog,
    onCycle: (result, stats) => state.publish(result, stats),
  });
  live = engine.stats.sinks;
  const srv = startServer(config.server, { state, observability });
  started.push(srv);

  const run = engine.run({ cycles: 2, signal: new AbortController().signal });
  await inCycle2;
  // Cycle 2 was published before the sink got it; cycle 1 is written, cycle 2 is in flight.
  expect(engine.stats.cyclesRun).toBe(2);
  const during = (await (await fetch(`${srv.url}/status`)).json()) as StatusDoc;
  expect([during.cycle, during.cycles_run]).toEqual([2, 2]);
  expect(during.sinks.gate).toMatchObject({ rows: 5, bytes: 100, written: 1, queued: 1 });
  const sse = await connectSse(`${srv.url}/events`);
  const snapshot = JSON.parse((await sse.next()).data) as StatusDoc;
  expect([snapshot.cycle, snapshot.cycles_run]).toEqual([2, 2]);
  expect(snapshot.sinks.gate).toMatchObject({ rows: 5, written: 1, queued: 1 });
  expect(await (await fetch(`${srv.url}/readyz`)).json()).toEqual({ ready: true, reasons: [] });

  release();
  sse.close();
  await run;
  // No cycle was published after the run, yet /status shows the sink's final counters.
  const after = (await (await fetch(`${srv.url}/status`)).json()) as StatusDoc;
  expect([after.cycle, after.cycles_run]).toEqual([2, 2]);
  expect(after.sinks.gate).toMatchObject({ rows: 10, bytes: 200, written: 2, queued: 0 });
  expect(await (await fetch(`${srv.url}/metrics`)).text()).toContain("g6_cycles_total 2");
});
