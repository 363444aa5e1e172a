/**
 * The replay provider end to end: sessions recorded by the real engine on the simulator are
 * replayed by the real engine into another data directory. Without recompute the CSV trees are
 * byte for byte the recorded ones (both layouts, across a day boundary, with the pool's
 * workers); with recompute the IVs are G6's from the recorded prices, close to the recorded
 * ones. Bad settings are configuration errors naming the path or the date.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { ConfigError } from "../../src/config/errors.ts";
import type { CycleResult } from "../../src/contracts/index.ts";
import { createExchangeCalendars, istEpoch } from "../../src/market/index.ts";
import { createComputePort } from "../../src/engine/compute.ts";
import { replayProviderFactory } from "../../src/providers/replay/factory.ts";
import { instantClock, listFiles, quietLog, readCsv, runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { CLI } from "../helpers/process.ts";

/** Every file of a tree with its bytes. */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), "latin1")]));
}

/** A replay into a fresh data directory: the results, whether the clock ran out, the CSV tree. */
async function replay(replaySettings: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  const dataDir = tempDir("g6-replayed-");
  const config = testConfig({ interval: 0, ...extra, storage: { data_dir: dataDir, ...((extra.storage as object) ?? {}) }, provider: { kind: "replay", replay: replaySettings } });
  const results: CycleResult[] = [];
  const app = createApp(config, { log: quietLog, clock: instantClock, onCycle: (r) => results.push(r) });
  const stats = await app.run({ cycles: 0, signal: new AbortController().signal });
  return { results, stats, exhausted: app.engine.exhausted, csv: join(dataDir, "g6_data") };
}

// 15:27 to 15:30 on Thursday 2026-11-19 (SENSEX's expiry day), then the open of Friday the 20th.
const SESSION = { interval: 60, provider: { sim: { seed: 11, start: "2026-11-19T15:27" } } };
const recorded = { g6: "", v1: "", results: [] as CycleResult[] };

beforeAll(async () => {
  const g6Dir = tempDir("g6-recorded-");
  // On the pool's workers with small shards: the kept analytics travel through the workers too.
  recorded.results = await runEngine(testConfig({ ...SESSION, pool: { size: 2, min_shard_legs: 100 }, storage: { data_dir: g6Dir } }), 7);
  recorded.g6 = join(g6Dir, "g6_data");
  const v1Dir = tempDir("g6-recorded-");
  await runEngine(testConfig({ ...SESSION, pool: { size: 0 }, storage: { data_dir: v1Dir, csv: { layout: "expiry_v1" } } }), 7);
  recorded.v1 = join(v1Dir, "g6_data");
});

describe("replaying a recorded G6 session", () => {
  test("the recording spans two days", () => {
    expect(new Set(recorded.results.map((r) => r.date))).toEqual(new Set(["2026-11-19", "2026-11-20"]));
  });

  test("g6 layout, a range over two days, pool workers: every CSV file byte for byte as recorded, then the run ends", async () => {
    const out = await replay({ path: recorded.g6, from: "2026-11-18", to: "2026-11-22" }, { pool: { size: 2, min_shard_legs: 100 } });
    expect(out.exhausted).toBe(true);
    expect(out.results.map((r) => r.at)).toEqual(recorded.results.map((r) => r.at));
    expect(out.stats.cyclesRun).toBe(7);
    const want = tree(recorded.g6);
    expect(Object.keys(want).length).toBeGreaterThan(100);
    expect(tree(out.csv)).toEqual(want);
    // The second day's tp_net_change refers to the first day's files, replayed as recorded.
    const second = readCsv(join(out.csv, "NIFTY/this_week/0/2026-11-20.csv"));
    expect(second.rows[0]!.tp_net_change).not.toBe("");
  });

  test("one later day alone: identical but for tp_net_change, which refers to the previous day's files in the data directory written", async () => {
    const out = await replay({ path: recorded.g6, date: "2026-11-20" }, { pool: { size: 0 } });
    const file = `NIFTY/this_week/0/2026-11-20.csv`;
    const want = readCsv(join(recorded.g6, file)).rows;
    const got = readCsv(join(out.csv, file)).rows;
    expect(want[0]!.tp_net_change).not.toBe("");
    expect(got.map((r) => r.tp_net_change)).toEqual(want.map(() => ""));
    expect(got.map((r) => ({ ...r, tp_net_change: "" }))).toEqual(want.map((r) => ({ ...r, tp_net_change: "" })));
  });

  test("expiry_v1 layout, one date: byte for byte as recorded (that day's files)", async () => {
    const out = await replay({ path: recorded.v1, date: "2026-11-19" }, { pool: { size: 0 }, storage: { csv: { layout: "expiry_v1" } } });
    expect(out.results).toHaveLength(3);
    const want = Object.fromEntries(Object.entries(tree(recorded.v1)).filter(([f]) => f.endsWith("2026-11-19.csv")));
    expect(Object.keys(want).length).toBeGreaterThan(10);
    expect(tree(out.csv)).toEqual(want);
  });

  test("the recorded analytics are kept: cycle results carry the recorded IVs (rounded as written)", async () => {
    const out = await replay({ path: recorded.g6, date: "2026-11-19" }, { pool: { size: 0 } });
    const a = recorded.results[0]!.batch;
    const b = out.results[0]!.batch;
    let compared = 0;
    for (let i = 0; i < a.legs; i++) {
      if (!Number.isFinite(a.iv[i]!)) continue;
      expect(Math.abs(b.iv[i]! - a.iv[i]!)).toBeLessThanOrEqual(5e-7);
      compared++;
    }
    expect(compared).toBeGreaterThan(500);
    // Bid and ask were never recorded: missing, not made up.
    expect(Number.isNaN(b.bid[0]!) && Number.isNaN(b.ask[0]!)).toBe(true);
  });

  /** ce_iv and pe_iv of every option row of 2026-11-19 in `dir`, in file order. */
  const ivs = (dir: string) =>
    listFiles(dir)
      .filter((f) => !f.startsWith("overview") && f.endsWith("2026-11-19.csv"))
      .flatMap((f) => readCsv(join(dir, f)).rows.flatMap((r) => [r.ce_iv!, r.pe_iv!]));

  test("recompute: IV and Greeks re-derived from the recorded prices; G6's analytics give back the recorded IVs", async () => {
    const want = ivs(recorded.g6);
    const got = ivs((await replay({ path: recorded.g6, date: "2026-11-19", recompute: true }, { pool: { size: 0 } })).csv);
    expect(got).toHaveLength(want.length);
    let worst = 0;
    let solved = 0;
    for (let k = 0; k < want.length; k++) {
      if (want[k] === "" || got[k] === "") {
        expect(got[k]).toBe(want[k]!);
        continue;
      }
      worst = Math.max(worst, Math.abs(Number(got[k]) - Number(want[k])));
      solved++;
    }
    expect(solved).toBeGreaterThan(1000);
    // The simulator's prices are on the 0.05 tick, so the recorded prices are its prices: the IVs solved again agree to their 6 decimals.
    expect(worst).toBeLessThanOrEqual(1e-6);
  });

  test("recompute really re-derives (another rate, other IVs); without it the recorded IVs stand whatever the rate", async () => {
    const want = ivs(recorded.g6);
    const rate = { risk_free_rate: 0.02, pool: { size: 0 } };
    const recomputed = ivs((await replay({ path: recorded.g6, date: "2026-11-19", recompute: true }, rate)).csv);
    const kept = ivs((await replay({ path: recorded.g6, date: "2026-11-19" }, rate)).csv);
    expect(kept).toEqual(want);
    const changed = recomputed.filter((x, k) => x !== want[k]).length;
    expect(changed).toBeGreaterThan(want.length / 2);
  });
});

describe("replay settings are checked against the tree", () => {
  const make = (replay: Record<string, unknown>, storage: Record<string, unknown> = {}) => {
    const config = testConfig({ storage: { data_dir: tempDir(), ...storage }, provider: { kind: "replay", replay } });
    const calendars = createExchangeCalendars(config.market);
    return () => replayProviderFactory.create({ config, calendar: calendars.NSE, calendars, compute: createComputePort(null), now: () => 0, intervalMs: () => 0 });
  };
  const problem = (f: () => unknown): string => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      return (err as ConfigError).problems.join("; ");
    }
    throw new Error("no configuration error");
  };

  test("a missing path is named", () => {
    const missing = join(tempDir(), "nothing-here");
    expect(problem(make({ path: missing, date: "2026-11-19" }))).toBe(`provider.replay.path: ${missing}: no such directory`);
    expect(problem(make({ date: "2026-11-19" }))).toContain("provider.replay.path: required");
  });

  test("a date without files is named, with the path and what was looked for", () => {
    const p = problem(make({ path: recorded.g6, date: "2026-11-18" }));
    expect(p).toContain(`provider.replay.date: nothing recorded on 2026-11-18 under ${recorded.g6}`);
    expect(p).toContain("overview/<INDEX>/2026-11-18.csv");
    expect(problem(make({ path: recorded.g6, from: "2026-10-01", to: "2026-10-31" }))).toContain("no G6 CSV files from 2026-10-01 to 2026-10-31");
  });

  test("a date and a range, or neither, or a backward range", () => {
    expect(problem(make({ path: recorded.g6, date: "2026-11-19", from: "2026-11-19", to: "2026-11-20" }))).toContain("not both");
    expect(problem(make({ path: recorded.g6 }))).toContain("provider.replay.date: required");
    expect(problem(make({ path: recorded.g6, from: "2026-11-20", to: "2026-11-19" }))).toContain("is after provider.replay.to");
  });

  test("replaying into the tree being replayed is refused", () => {
    const dataDir = join(recorded.g6, "..");
    expect(problem(make({ path: recorded.g6, date: "2026-11-19" }, { data_dir: dataDir }))).toContain("is the CSV directory this run writes");
  });

  test("a bad date is a schema error", () => {
    expect(() => testConfig({ provider: { kind: "replay", replay: { path: ".", date: "2026-02-30" } } })).toThrow();
  });
});

describe("the recording's snapshot clock", () => {
  test("yields the recorded instants in order, then null; speed paces by the recorded gaps, a new day at once", () => {
    let wall = 1_000_000;
    const config = testConfig({ storage: { data_dir: tempDir() }, provider: { kind: "replay", replay: { path: recorded.g6, from: "2026-11-19", to: "2026-11-20", speed: 60 } } });
    const calendars = createExchangeCalendars(config.market);
    const made = replayProviderFactory.create({ config, calendar: calendars.NSE, calendars, compute: createComputePort(null), now: () => wall, intervalMs: () => 0 });
    expect(made.market).toBe("own");
    expect(made.snapshotClock.startsAt).toBe(istEpoch("2026-11-19", "15:27"));
    const delays: number[] = [];
    const instants: (number | null)[] = [];
    for (let k = 0; k < 8; k++) {
      delays.push(made.snapshotClock.delayMs!());
      instants.push(made.snapshotClock.next());
      // The engine sleeps the delay, then its cycle takes 200 ms.
      wall += delays.at(-1)! + 200;
    }
    expect(instants).toEqual([...recorded.results.map((r) => r.at), null]);
    // 60 s recorded gaps at 60×: due 1 s after the previous instant, less the 200 ms its cycle took.
    expect(delays).toEqual([0, 800, 800, 0, 800, 800, 800, 0]);
  });
});

test("paced at 60×: the engine sleeps each recorded minute as a second before its cycle", async () => {
  let wall = Date.UTC(2026, 10, 26, 4, 0, 0);
  const slept: number[] = [];
  const clock = { now: () => wall, sleep: async (ms: number) => void (slept.push(ms), (wall += ms)) };
  const config = testConfig({ interval: 0, pool: { size: 0 }, storage: { data_dir: tempDir() }, provider: { kind: "replay", replay: { path: recorded.g6, date: "2026-11-19", speed: 60 } } });
  const results: CycleResult[] = [];
  const app = createApp(config, { log: quietLog, clock, onCycle: (r) => results.push(r) });
  await app.run({ cycles: 0, signal: new AbortController().signal });
  expect(results).toHaveLength(3);
  expect(slept.filter((ms) => ms > 0)).toEqual([1000, 1000]);
});

test("the replay's data directory gets status and panels too; the run ends without waiting out the sinks' shutdown deadline", async () => {
  const t0 = performance.now();
  // A close racing the end of a sink's last write once waited the whole deadline.
  const out = await replay({ path: recorded.g6, date: "2026-11-20" }, { pool: { size: 0 }, storage: { delivery: { shutdown_seconds: 60 } } });
  expect(performance.now() - t0).toBeLessThan(30_000);
  const dataDir = join(out.csv, "..");
  mkdirSync(dataDir, { recursive: true });
  expect(listFiles(dataDir).some((f) => f.startsWith("panels/"))).toBe(true);
  expect(JSON.parse(readFileSync(join(dataDir, "runtime_status.json"), "utf8")).provider).toBeDefined();
});

test("g6 --replay DIR --replay-date DATE: exit 0 and a one-line summary once the recording is exhausted; a bad date exits 2 naming it", () => {
  const dataDir = tempDir("g6-replayed-cli-");
  const run = (date: string) =>
    Bun.spawnSync([process.execPath, CLI, "--replay", recorded.g6, "--replay-date", date, "--interval", "0", "--pool", "0", "--data-dir", dataDir, "--plain"], { env: { ...process.env, NO_COLOR: "1" } });
  // The recording's first day: its tp_net_change had no previous day to refer to either.
  const ok = run("2026-11-19");
  const out = ok.stdout.toString().trim().split("\n");
  expect(ok.exitCode).toBe(0);
  expect(out.at(-1)!).toMatch(/^g6: recording replayed to its end after 3 cycles · \d+ CSV rows written · 0 errors · data in /);
  expect(tree(join(dataDir, "g6_data"))).toEqual(Object.fromEntries(Object.entries(tree(recorded.g6)).filter(([f]) => f.endsWith("2026-11-19.csv"))));
  const bad = run("2026-11-21");
  expect(bad.exitCode).toBe(2);
  expect(bad.stderr.toString()).toContain("provider.replay.date: nothing recorded on 2026-11-21");
});
