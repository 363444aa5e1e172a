/**
 * g6 ingest's write path against the engine's: for the same recorded day, the bytes it appends
 * to the spool are the InfluxDB sink's payloads of the engine's cycles, concatenated, byte for
 * byte (option_data, options_expiry, options_overview), for a simulator session over two days,
 * the Python G6 fixture day, and with recompute. Large records, not one per cycle.
 */
import { beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import type { G6Config } from "../../src/config/schema.ts";
import type { CycleResult } from "../../src/contracts/index.ts";
import { type Delivery, replayDayToSpool } from "../../src/ingest-fast.ts";
import { createDayReader, splitByBytes } from "../../src/ingest-read.ts";
import type { ParsedFile } from "../../src/providers/replay/recording.ts";
import { filesOfDay } from "../../src/providers/replay/tree.ts";
import { encodeCycle } from "../../src/sinks/influx/lines.ts";
import { FIXTURE_DATE } from "../fixtures/python-g6/generate.ts";
import { instantClock, quietLog, runEngine, tempDir, testConfig } from "../helpers/engine.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/python-g6/g6_data");
const recorded = { tree: "", days: [] as string[] };

beforeAll(async () => {
  const dir = tempDir("g6-ingest-fast-");
  // 15:27 to 15:30 on Thursday 2026-11-19, then the open of Friday the 20th.
  const results = await runEngine(testConfig({ interval: 60, provider: { sim: { seed: 5, start: "2026-11-19T15:27" } }, pool: { size: 0 }, storage: { data_dir: dir } }), 7);
  recorded.tree = join(dir, "g6_data");
  recorded.days = [...new Set(results.map((r) => r.date))];
});

function dayConfig(path: string, date: string, recompute = false): G6Config {
  return testConfig({
    interval: 0,
    pool: { size: 0 },
    storage: { data_dir: tempDir("g6-ingest-fast-out-"), csv: { enabled: false }, status: { enabled: false }, panels: { enabled: false } },
    provider: { kind: "replay", replay: { path, date, recompute } },
  });
}

/** What the engine's InfluxDB sink would be handed: each cycle's payload, in order. */
async function enginePayloads(config: G6Config): Promise<Buffer> {
  const results: CycleResult[] = [];
  const app = createApp(config, { log: quietLog, clock: instantClock, onCycle: (r) => results.push(r) });
  await app.run({ cycles: 0, signal: new AbortController().signal });
  expect(app.engine.exhausted).toBe(true);
  return Buffer.concat(results.map((r) => encodeCycle(r)));
}

/** What the ingest's path appends to the spool for the same day: its records. */
async function fastRecords(config: G6Config, parsed?: ReadonlyMap<string, ParsedFile>): Promise<{ records: Buffer[]; cycles: number; exhausted: boolean }> {
  const records: Buffer[] = [];
  const delivery: Delivery = {
    accepted: 0,
    rejected: 0,
    pending: 0,
    append: async (p) => void records.push(Buffer.from(p)),
    finish: async () => {},
  };
  let cycles = 0;
  const exhausted = await replayDayToSpool({ config, log: quietLog, delivery, signal: new AbortController().signal, parsed, onDay: () => {}, onCycle: () => cycles++ });
  return { records, cycles, exhausted };
}

test("a simulator session over two days: the spool records are the engine's sink payloads, byte for byte", async () => {
  expect(recorded.days).toEqual(["2026-11-19", "2026-11-20"]);
  for (const date of recorded.days) {
    const config = dayConfig(recorded.tree, date);
    const want = await enginePayloads(config);
    const got = await fastRecords(config);
    expect(got.exhausted).toBe(true);
    // A handful of cycles: one record for the day, not one per cycle.
    expect(got.cycles).toBeGreaterThan(1);
    expect(got.records).toHaveLength(1);
    const text = Buffer.concat(got.records).toString();
    expect(text).toContain("options_expiry,");
    expect(text).toContain("options_overview,");
    expect(want.length).toBeGreaterThan(10_000);
    expect(Buffer.concat(got.records).equals(want)).toBe(true);
  }
});

test("the Python G6 fixture day, as recorded and recomputed: byte for byte as the engine's", async () => {
  for (const recompute of [false, true]) {
    const config = dayConfig(FIXTURE, FIXTURE_DATE, recompute);
    const want = await enginePayloads(config);
    const got = Buffer.concat((await fastRecords(config)).records);
    expect(want.length).toBeGreaterThan(1000);
    expect(got.toString()).toBe(want.toString());
  }
});

test("stopped: the cycle in hand finishes, what was written is appended, the day is not done", async () => {
  const config = dayConfig(recorded.tree, recorded.days[0]!);
  const stop = new AbortController();
  const records: Buffer[] = [];
  let cycles = 0;
  const delivery: Delivery = { accepted: 0, rejected: 0, pending: 0, append: async (p) => void records.push(Buffer.from(p)), finish: async () => {} };
  const exhausted = await replayDayToSpool({
    config,
    log: quietLog,
    delivery,
    signal: stop.signal,
    onDay: () => {},
    onCycle: () => {
      if (++cycles === 2) stop.abort();
    },
  });
  expect({ exhausted, cycles, records: records.length }).toEqual({ exhausted: false, cycles: 2, records: 1 });
  const whole = await enginePayloads(config);
  // The first two cycles' lines, a prefix of the day's.
  expect(whole.subarray(0, records[0]!.length).equals(records[0]!)).toBe(true);
  expect(records[0]!.length).toBeLessThan(whole.length);
});

test("files parsed on the reading workers: the same records; a file a worker cannot read is reported as the replay reports it", async () => {
  const date = recorded.days[0]!;
  const files = filesOfDay(recorded.tree, ["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"], date);
  const paths = [...files.overview, ...files.options];
  expect(paths.length).toBeGreaterThan(20);
  const reader = createDayReader(2);
  try {
    const parsed = await reader.read(paths);
    expect([...parsed.keys()].sort()).toEqual([...paths].sort());
    const config = dayConfig(recorded.tree, date);
    const got = await fastRecords(config, parsed);
    expect(Buffer.concat(got.records).equals(await enginePayloads(config))).toBe(true);
    // A file that is not G6 CSV: the worker's reason, as the inline reader gives it.
    const bad = join(tempDir("g6-ingest-bad-"), "x.csv");
    await Bun.write(bad, "not,a,g6\nfile,at,all\n");
    const one = (await reader.read([bad])).get(bad)!;
    expect("error" in one && one.error).toBe("not a G6 CSV header: \"not,a,g6\"");
  } finally {
    reader.close();
  }
});

test("files are split over the workers by bytes", () => {
  const size: Record<string, number> = { a: 100, b: 60, c: 50, d: 10 };
  expect(splitByBytes(["d", "c", "b", "a"], 2, (p) => size[p]!)).toEqual([["a", "d"], ["b", "c"]]);
  expect(splitByBytes(["a"], 3, (p) => size[p]!)).toEqual([["a"]]);
});
