/**
 * `g6 ingest` end to end: a tree recorded from the simulator (three days, by the real app) and
 * the Python G6 fixture day, ingested by a real `g6 ingest` into a real VictoriaMetrics, read
 * back through its export API. Every option row of the CSV files is there with the same values
 * (a missing value, or a Python 0 read as missing, is an absent field), nothing else is, every
 * skipped row is in the report with its reason; ingesting again leaves the same points; an ingest
 * killed with SIGKILL halfway and rerun gives the same final set; bad input exits 2 naming it.
 */
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fmt } from "../../src/g6csv/format.ts";
import { readG6Csv, type OptionCsv, type OverviewCsv } from "../../src/g6csv/index.ts";
import { FIXTURE_DATE } from "../fixtures/python-g6/generate.ts";
import { listFiles, tempDir } from "../helpers/engine.ts";
import { startVictoriaMetrics } from "../helpers/influx-servers.ts";
import { CLI, spawnG6 } from "../helpers/process.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/python-g6/g6_data");
const SIM_DAYS = ["2026-11-17", "2026-11-18", "2026-11-19"];
const stops: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

function g6(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawnSync([process.execPath, CLI, ...args], { env: { ...process.env, NO_COLOR: "1", ...env }, stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

/** Three simulator days of three cycles each, recorded by the real app (NIFTY and BANKNIFTY). */
function recordSim(dir: string): string {
  const cfg = join(dir, "sim.json");
  writeFileSync(cfg, JSON.stringify({ indices: { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } }, server: { enabled: false }, storage: { panels: { enabled: false } } }));
  for (const day of SIM_DAYS) {
    const r = g6(["--cycles", "3", "--interval", "0", "--pool", "0", "--data-dir", join(dir, "rec"), "--config", cfg], { G6_PROVIDER__SIM__START: `${day}T10:00`, G6_PROVIDER__SIM__STEP_SECONDS: "60" });
    expect(r.code).toBe(0);
  }
  return join(dir, "rec", "g6_data");
}

const SIDE_FIELDS = [
  ["price", "", 2], ["oi", "_oi", 0], ["volume", "_vol", 0], ["iv", "_iv", 6], ["delta", "_delta", 6], ["gamma", "_gamma", 8],
  ["theta", "_theta", 4], ["vega", "_vega", 4], ["rho", "_rho", 4], ["avg_price", "avg_", 2],
] as const;

/** What the trees' option files hold, read by G6's reading rules: contract, instant and field → the value as written. */
function expectedPoints(trees: string[]): { points: Map<string, string>; overview: Set<string> } {
  const points = new Map<string, string>();
  const overview = new Set<string>();
  for (const tree of trees) {
    for (const rel of listFiles(tree).filter((f) => f.endsWith(".csv"))) {
      const csv = readG6Csv(readFileSync(join(tree, rel)));
      if (csv.kind === "overview") {
        const o = csv as OverviewCsv;
        for (let r = 0; r < o.rows; r++) overview.add(`${o.strings.index.values[o.strings.index.codes[r]!]} ${o.timestamp[r]}`);
        continue;
      }
      const c = csv as OptionCsv;
      for (let r = 0; r < c.rows; r++) {
        const head = `${c.strings.index.values[c.strings.index.codes[r]!]} ${c.strings.expiry_date.values[c.strings.expiry_date.codes[r]!]} ${c.columns.strike[r]}`;
        for (const side of ["ce", "pe"] as const) {
          for (const [field, col, d] of SIDE_FIELDS) {
            const name = (col === "avg_" ? `avg_${side}` : `${side}${col}`) as keyof OptionCsv["columns"];
            const x = c.columns[name][r]!;
            if (Number.isFinite(x)) points.set(`${head} ${side.toUpperCase()} ${c.timestamp[r]} ${field}`, fmt(x, d));
          }
        }
      }
    }
  }
  return { points, overview };
}

type Vm = Awaited<ReturnType<typeof startVictoriaMetrics>>;

/** What VictoriaMetrics holds of the same fields: key → the values at that instant (more than one would be a duplicate point). */
async function exportedPoints(vm: Vm): Promise<{ points: Map<string, string[]>; overview: Set<string> }> {
  const points = new Map<string, string[]>();
  const decimals = new Map(SIDE_FIELDS.map(([f, , d]) => [f, d]));
  for (const s of await vm.exportLines(`{__name__=~"option_data_(${SIDE_FIELDS.map(([f]) => f).join("|")})"}`)) {
    const field = s.metric.__name__!.slice("option_data_".length);
    s.timestamps.forEach((t, i) => {
      const key = `${s.metric.index} ${s.metric.expiry} ${s.metric.strike} ${s.metric.type} ${t} ${field}`;
      points.set(key, [...(points.get(key) ?? []), fmt(s.values[i]!, decimals.get(field as never)!)]);
    });
  }
  const overview = new Set<string>();
  for (const s of await vm.exportLines('{__name__="options_overview_index_price"}')) for (const t of s.timestamps) overview.add(`${s.metric.index} ${t}`);
  return { points, overview };
}

function expectSame(got: { points: Map<string, string[]>; overview: Set<string> }, want: { points: Map<string, string>; overview: Set<string> }) {
  expect([...got.points.keys()].filter((k) => !want.points.has(k))).toEqual([]);
  expect([...want.points.keys()].filter((k) => !got.points.has(k))).toEqual([]);
  for (const [k, v] of want.points) expect([k, got.points.get(k)]).toEqual([k, [v]]);
  expect([...got.overview].sort()).toEqual([...want.overview].sort());
}

function ingestConfig(dir: string, vm: Vm, name = "ingest.json"): string {
  const cfg = join(dir, name);
  writeFileSync(
    cfg,
    JSON.stringify({
      indices: { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } },
      storage: { influx: { enabled: true, url: vm.url, api: "v2", bucket: "g6", timeout_ms: 2000 }, delivery: { retry_base_ms: 50, retry_max_ms: 250 } },
    }),
  );
  return cfg;
}

test("a simulator tree and a Python G6 day: every row accounted for, values as in the CSV, missing absent; a second ingest leaves the same points", async () => {
  const dir = tempDir("g6-ingest-");
  const vm = await startVictoriaMetrics(dir);
  stops.push(() => vm.stop());
  const sim = recordSim(dir);
  const cfg = ingestConfig(dir, vm);
  const r = g6(["ingest", sim, FIXTURE, "--config", cfg, "--data-dir", join(dir, "out"), "--pool", "0", "--json"]);
  expect(r.stderr).toContain(`[4/4] ${FIXTURE_DATE}`);
  expect(r.code).toBe(0);
  const report = JSON.parse(r.stdout);
  const c = report.counts;
  expect({ days: c.days, found: report.daysFound, interrupted: report.interrupted, spooled: report.spooled }).toEqual({ days: 4, found: 4, interrupted: false, spooled: 0 });
  // The fixture's quirks, each counted: one row held twice, one torn last line (named), 13 zeros read as missing.
  expect({ duplicates: c.duplicates, torn: c.tornLines, bad: c.badRows, notRead: c.filesNotRead, outside: c.optionRowsOutsidePlan, zeros: c.zerosAsMissing }).toEqual({ duplicates: 1, torn: 1, bad: 0, notRead: 0, outside: 0, zeros: 13 });
  expect(report.skipped).toEqual([{ path: join(FIXTURE, `NIFTY/this_week/0/${FIXTURE_DATE}.csv:5`), reason: "torn last line" }]);
  // Every option row read is written, or held by another file (an expiry under two tags), and said so.
  expect(c.optionRowsWritten + c.optionRowsInTwoFiles).toBe(c.optionRowsRead);
  expect(c.overviewRowsWritten).toBe(c.overviewRowsRead);
  expect(c.rowsRead).toBe(c.optionRowsRead + c.overviewRowsRead);

  const want = expectedPoints([sim, FIXTURE]);
  const got = await exportedPoints(vm);
  expectSame(got, want);
  // The fixture's +50 put at 09:15:30 had no quote (Python 0s): no price, IV or delta point; its volume 0 is a real count.
  const at = Date.parse("2026-11-20T09:15:30+05:30");
  const leg = `NIFTY 2026-11-23 23550 PE ${at}`;
  expect(["price", "iv", "delta", "volume"].map((f) => got.points.get(`${leg} ${f}`) ?? null)).toEqual([null, null, null, ["0"]]);
  // Recorded option rows, as lines, are all there (the 9 distinct fixture rows among them).
  expect(c.optionRowsWritten).toBe(new Set([...want.points.keys()].map((k) => k.split(" ").slice(0, 3).concat(k.split(" ")[4]!).join(" "))).size);

  // Again, from a fresh data directory (no progress file): the same points, none twice.
  const again = g6(["ingest", sim, FIXTURE, "--config", cfg, "--data-dir", join(dir, "out2"), "--pool", "0"]);
  expect(again.code).toBe(0);
  expectSame(await exportedPoints(vm), want);
  // And in the same data directory: every day already done, nothing read.
  const rerun = g6(["ingest", sim, FIXTURE, "--config", cfg, "--data-dir", join(dir, "out"), "--pool", "0", "--json"]);
  expect(rerun.code).toBe(0);
  expect(JSON.parse(rerun.stdout)).toMatchObject({ daysSkippedDone: 4, counts: { days: 0, rowsRead: 0 } });

  // --recompute: the fixture day again with G6's analytics; the IV changes are reported and the Python 0.25 is replaced.
  // Into a fresh VictoriaMetrics: its deduplication keeps the larger of two values at one instant (InfluxDB keeps the last).
  const fresh = await startVictoriaMetrics(tempDir("g6-ingest-vm2-"));
  stops.push(() => fresh.stop());
  const rc = g6(["ingest", FIXTURE, "--recompute", "--index", "NIFTY", "--config", ingestConfig(dir, fresh, "fresh.json"), "--data-dir", join(dir, "out"), "--pool", "0", "--json"]);
  expect(rc.code).toBe(0);
  const iv = JSON.parse(rc.stdout).ivChange;
  expect(iv).toEqual({ compared: 17, changed: 17, becameMissing: 0, becameKnown: 0, median: 0.01693, worst: 0.120516 });
  const failed = `NIFTY 2026-11-23 23500 PE ${Date.parse("2026-11-20T09:16:00+05:30")} iv`;
  expect(want.points.get(failed)).toBe("0.250000");
  expect((await exportedPoints(fresh)).points.get(failed)).toEqual([fmt(0.25 - 0.120516, 6)]);
}, 120_000);

test("an ingest stopped with Ctrl-C, rerun, killed with SIGKILL halfway and rerun gives the same final set of points", async () => {
  const dir = tempDir("g6-ingest-kill-");
  const vm = await startVictoriaMetrics(dir);
  stops.push(() => vm.stop());
  const sim = recordSim(dir);
  const cfg = ingestConfig(dir, vm);
  const args = ["ingest", sim, "--config", cfg, "--data-dir", join(dir, "out"), "--pool", "0"];
  const daysDone = () => Object.keys(JSON.parse(readFileSync(join(dir, "out", "influx_spool", "ingest-progress.json"), "utf8")).done).length;
  // Ctrl-C after the first day: the cycle finishes, the run stops with 130 and says a rerun resumes.
  const first = spawnG6(args);
  await first.waitFor(/\[1\/3\]/);
  first.proc.kill("SIGINT");
  expect(await first.exited()).toBe(130);
  expect(first.output()).toContain("stopped (a rerun resumes)");
  const afterStop = daysDone();
  expect(afterStop).toBeGreaterThanOrEqual(1);
  expect(afterStop).toBeLessThan(3);
  // The rerun starts at the day it stopped in; killed with SIGKILL after that day.
  const second = spawnG6(args);
  await second.waitFor(new RegExp(`\\[${afterStop + 1}/3\\]`));
  expect(second.output()).not.toContain("[1/3]");
  second.proc.kill("SIGKILL");
  expect(await second.exited()).toBe(137);
  const rerun = g6(args);
  expect(rerun.code).toBe(0);
  expect(rerun.stdout).toMatch(/already done/);
  expectSame(await exportedPoints(vm), expectedPoints([sim]));
}, 120_000);

test("bad input: a path that does not exist, no days in range, an unknown index, InfluxDB off: exit 2 naming it; a day of unreadable files is reported, not fatal", () => {
  const dir = tempDir("g6-ingest-bad-");
  const cfg = join(dir, "c.json");
  writeFileSync(cfg, JSON.stringify({ storage: { influx: { enabled: true, url: "http://127.0.0.1:9", bucket: "g6" } } }));
  const base = ["--config", cfg, "--data-dir", join(dir, "out")];
  const missing = g6(["ingest", join(dir, "nope"), ...base]);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain(`${join(dir, "nope")}: no such directory`);
  const none = g6(["ingest", FIXTURE, "--from", "2020-01-01", "--to", "2020-01-31", ...base]);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain(`no recorded days from 2020-01-01 to 2020-01-31`);
  expect(none.stderr).toContain(FIXTURE);
  const index = g6(["ingest", FIXTURE, "--index", "NIFTY,FOO", ...base]);
  expect(index.code).toBe(2);
  expect(index.stderr).toContain("--index: unknown FOO");
  // A day whose only file is not G6 CSV: reported with the file and why, not an error.
  const junk = join(dir, "junk");
  mkdirSync(join(junk, "overview", "NIFTY"), { recursive: true });
  writeFileSync(join(junk, "overview", "NIFTY", "2026-11-20.csv"), "hello,world\n1,2\n");
  const unreadable = g6(["ingest", junk, "--index", "NIFTY", ...base, "--json"]);
  expect(unreadable.code).toBe(0);
  const report = JSON.parse(unreadable.stdout);
  expect(report.counts).toMatchObject({ days: 0, files: 0, filesNotRead: 1 });
  expect(report.skipped.map((s: { path: string }) => s.path)).toEqual([join(junk, "overview/NIFTY/2026-11-20.csv"), `${junk} 2026-11-20`]);
  expect(report.skipped[1].reason).toBe("no readable rows on this day");
  const off = g6(["ingest", FIXTURE, "--data-dir", join(dir, "out")]);
  expect(off.code).toBe(2);
  expect(off.stderr).toContain("storage.influx.enabled");
});
