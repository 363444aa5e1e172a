/**
 * A cycle result's recycled parts beyond its ladder batch, through the real engine: the chain-leg
 * batch (chain scope) and the strike flows are reused only when no one holds the result any more
 * (src/engine/holds.ts); a sink holding cycle 1 while cycles 2-6 run reads cycle 1's values.
 */
import { expect, test } from "bun:test";
import { createEnricher } from "../../src/app.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import type { ChainBatch } from "../../src/chain/batch.ts";
import type { StrikeFlow } from "../../src/chain/strike-flow.ts";
import type { CycleResult, Sink, SinkReport } from "../../src/contracts/index.ts";
import { instantClock, quietLog, tempDir, testConfig } from "../helpers/engine.ts";

const ONLY_TWO = { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } };
const emptyReport: SinkReport = { rows: 0, bytes: 0, duplicatesSkipped: 0 };
const FLOW_FIELDS = ["strike", "callOi", "putOi", "callLast", "putLast", "callOiChangeSession", "putOiChangeSession", "callOiChangeLookback", "putOiChangeLookback", "callPriceChangeLookback", "putPriceChangeLookback", "callBuildup", "putBuildup"] as const;

/** The chain legs' quotes and the strike flows of a result, copied now. */
function bytesOf(r: CycleResult): Buffer {
  const chain = r.chain as ChainBatch;
  const parts = (["strike", "last", "bid", "ask", "volume", "oi"] as const).map((f) => Buffer.from(chain[f].slice().buffer));
  for (const f of r.flows as StrikeFlow[]) for (const x of FLOW_FIELDS) parts.push(Buffer.from(f[x].slice().buffer));
  return Buffer.concat(parts);
}

const buffersOf = (r: CycleResult) => new Set<ArrayBufferLike>([(r.chain as ChainBatch).oi.buffer, ...(r.flows ?? []).map((f) => f.callOiChangeSession.buffer)]);

test("a sink holding cycle 1 reads its chain legs and strike flows after cycles 2-6; their memory is reused once released", async () => {
  const config = testConfig({ interval: 60, indices: ONLY_TWO, pool: { size: 0 }, analytics: { scope: "chain" }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir("g6-result-reuse-") } });
  const calendar = createMarketCalendar({ holidays: [] });
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, instantClock.now()), 60_000);
  let openGate!: () => void;
  const gate = new Promise<void>((resolve) => (openGate = resolve));
  const published: Buffer[] = [];
  const written = new Map<number, Buffer>();
  const slow: Sink = {
    name: "slow",
    queue: { capacity: 8, whenFull: "block" },
    open: async () => {},
    async write(result) {
      if (result.cycle === 1) await gate;
      written.set(result.cycle, bytesOf(result));
      return emptyReport;
    },
    flush: async () => {},
    close: async () => {},
  };
  let held = new Set<ArrayBufferLike>();
  const seen = new Set<ArrayBufferLike>();
  const sharedWithHeld: number[] = [];
  let reused = 0;
  const engine = createEngine({
    config,
    provider: createSimProvider({ config, calendar }),
    sinks: [slow],
    enrich: createEnricher(config, null),
    snapshotAt: () => simClock.next(),
    clock: instantClock,
    elapsed: () => performance.now(),
    log: quietLog,
    onCycle: (r: CycleResult) => {
      expect(r.chain?.legs ?? 0).toBeGreaterThan(0);
      expect(r.flows?.length ?? 0).toBeGreaterThan(0);
      published.push(bytesOf(r));
      const mine = buffersOf(r);
      if (r.cycle === 1) held = mine;
      else if (r.cycle <= 6 && [...mine].some((b) => held.has(b))) sharedWithHeld.push(r.cycle);
      if ([...mine].some((b) => seen.has(b))) reused++;
      for (const b of mine) seen.add(b);
      if (r.cycle === 6) openGate();
    },
  });
  await engine.run({ cycles: 12, signal: new AbortController().signal });
  expect(published).toHaveLength(12);
  expect(published[1]!.equals(published[0]!)).toBe(false);
  expect(sharedWithHeld).toEqual([]);
  for (let n = 1; n <= 12; n++) expect(written.get(n)!.equals(published[n - 1]!)).toBe(true);
  // Once the sink wrote cycles 1-6, later cycles are built in their memory.
  expect(reused).toBeGreaterThanOrEqual(3);
});
