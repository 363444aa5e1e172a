/**
 * The running sink's policy for sink faults: a sink that throws is failing as a whole until it
 * writes again; faults are shown in its counters (and so in the status file's PARTIAL reason),
 * counted, and logged once when they start and once when they clear.
 */
import { expect, test } from "bun:test";
import { createConsola } from "consola";
import { createEnricher, createPool } from "../../src/app.ts";
import { createEngine } from "../../src/engine/engine.ts";
import { createMarketCalendar } from "../../src/market/index.ts";
import { createSimClock, simStart } from "../../src/providers/sim/clock.ts";
import { createSimProvider } from "../../src/providers/sim/provider.ts";
import { instantClock, tempDir, testConfig } from "../helpers/engine.ts";
import { type Sink, type SinkFault, type SinkTotals, WHOLE_SINK, withStorage } from "../../src/contracts/index.ts";

test("a throwing sink fails as a whole until it writes again; a per-target fault is named; both logged once", async () => {
  const config = testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir() } });
  const calendar = createMarketCalendar({ holidays: [] });
  const lines: string[] = [];
  const log = createConsola({ level: 3, reporters: [{ log: (o) => lines.push(`${o.type} ${o.args.join(" ")}`) }] });
  // Cycles 1–2 throw, 3 reports one faulted file, 4 is healthy. Each write (and the end) notes
  // the sink's counters as the previous write left them.
  const seen: { status: string; reason: string; failing: SinkFault[]; errors: number }[] = [];
  let totals: () => Readonly<SinkTotals> = () => {
    throw new Error("no engine yet");
  };
  const note = () => {
    const t = totals();
    const v = withStorage({ status: "OK", statusReason: "" }, { flaky: t });
    seen.push({ status: v.status, reason: v.reason, failing: [...t.failing], errors: t.errors });
  };
  const flaky: Sink = {
    name: "flaky",
    open: async () => {},
    write: async (r) => {
      if (r.cycle > 1) note();
      if (r.cycle <= 2) throw new Error("flaky: disk on fire");
      const faults: SinkFault[] = r.cycle === 3 ? [{ target: "/data/x.csv", code: "no_space", reason: "ENOSPC: no space left on device" }] : [];
      return { rows: 1, bytes: 10, duplicatesSkipped: 0, faults };
    },
    flush: async () => {},
    close: async () => {},
  };
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, instantClock.now()), 60_000);
  const engine = createEngine({
    config,
    provider: createSimProvider({ config, calendar }),
    sinks: [flaky],
    enrich: createEnricher(config, createPool(config)),
    snapshotAt: () => simClock.next(),
    clock: instantClock,
    elapsed: () => performance.now(),
    log,
  });
  totals = () => engine.stats.sinks.flaky!;
  await engine.run({ cycles: 4, signal: new AbortController().signal });
  note();
  expect(seen.map((c) => c.status)).toEqual(["PARTIAL", "PARTIAL", "PARTIAL", "OK"]);
  expect(seen[0]!.reason).toBe("flaky: nothing written (disk on fire)");
  expect(seen[1]!.failing).toEqual([{ target: WHOLE_SINK, code: "io", reason: "disk on fire" }]);
  expect(seen[2]!.reason).toBe("flaky: cannot write /data/x.csv (ENOSPC: no space left on device)");
  expect(seen[3]!.failing).toEqual([]);
  expect(seen.map((c) => c.errors)).toEqual([1, 2, 3, 3]);
  const about = lines.filter((l) => l.includes("sink flaky"));
  expect(about).toEqual([
    "error sink flaky: nothing written (disk on fire)",
    "error sink flaky: cannot write /data/x.csv (ENOSPC: no space left on device)",
    "info sink flaky: writing again",
    "info sink flaky: /data/x.csv is being written again",
  ]);
});
