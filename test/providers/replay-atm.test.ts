/**
 * A recorded spot exactly at a strike midpoint: G6 rounds a half up, but the recording's ATM
 * (its option rows' `atm`, the rounding of the unrounded spot) may be the strike below. The
 * replay serves the recorded ATM with the spot, and the plan takes it when it is a nearest strike
 * to the spot (a tie), so the replayed CSV files are the recorded ones byte for byte. Without it
 * the ladder moved up a strike at that instant and every offset's row differed.
 */
import { expect, test } from "bun:test";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { planCycle } from "../../src/engine/plan.ts";
import { listFiles, instantClock, quietLog, runEngine, tempDir, testConfig } from "../helpers/engine.ts";

const NIFTY_STEP = 50;
const SESSION = { interval: 60, indices: { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } }, pool: { size: 0 }, provider: { sim: { seed: 7, start: "2026-11-18T11:00" } } };

function tree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), "latin1")]));
}

/**
 * Rewrites the recording so that NIFTY's spot at its second instant sits exactly on the midpoint
 * above the recorded ATM (as a spot of x.xx4 recorded as x.xx would): the overview's and every
 * NIFTY option row's index_price at that instant. Returns the timestamp text and the ATM.
 */
function spotAtMidpoint(g6: string): { stamp: string; atm: number; spot: string } {
  const overview = join(g6, "overview/NIFTY/2026-11-18.csv");
  const lines = readFileSync(overview, "utf8").split("\n");
  const header = lines[0]!.split(",");
  const stamp = lines[2]!.split(",")[0]!;
  // The recorded ATM at that instant, from an option row.
  const optionFiles = listFiles(join(g6, "NIFTY")).map((f) => join(g6, "NIFTY", f));
  const one = readFileSync(optionFiles[0]!, "utf8").split("\n");
  const oh = one[0]!.split(",");
  const row = one.find((l) => l.startsWith(`${stamp},`))!.split(",");
  const atm = Number(row[oh.indexOf("atm")]);
  const spot = (atm + NIFTY_STEP / 2).toFixed(2);
  const put = (file: string, column: number) => {
    const text = readFileSync(file, "utf8").split("\n");
    writeFileSync(file, text.map((l) => (l.startsWith(`${stamp},`) ? l.split(",").map((v, i) => (i === column ? spot : v)).join(",") : l)).join("\n"));
  };
  put(overview, header.indexOf("index_price"));
  for (const f of optionFiles) put(f, oh.indexOf("index_price"));
  return { stamp, atm, spot };
}

test("a recorded spot at a strike midpoint: the recorded ATM is kept and the day replays byte for byte", async () => {
  const dir = tempDir("g6-atm-rec-");
  await runEngine(testConfig({ ...SESSION, storage: { data_dir: dir } }), 4);
  const g6 = join(dir, "g6_data");
  const { stamp, atm, spot } = spotAtMidpoint(g6);
  // G6's own rounding of that spot is the strike above: the case.
  expect(Math.floor(Number(spot) / NIFTY_STEP + 0.5) * NIFTY_STEP).toBe(atm + NIFTY_STEP);
  const want = tree(g6);
  expect(Object.values(want).filter((t) => t.includes(`${stamp},NIFTY`) && t.includes(`,${spot},${atm},`)).length).toBeGreaterThan(10);

  const out = tempDir("g6-atm-out-");
  const config = testConfig({ ...SESSION, interval: 0, storage: { data_dir: out }, provider: { kind: "replay", replay: { path: g6, date: "2026-11-18" } } });
  const app = createApp(config, { log: quietLog, clock: instantClock });
  await app.run({ cycles: 0, signal: new AbortController().signal });
  expect(app.engine.exhausted).toBe(true);
  expect(tree(join(out, "g6_data"))).toEqual(want);
  expect(readdirSync(join(out, "g6_data", "NIFTY")).length).toBeGreaterThan(0);
});

test("the plan takes a supplied ATM only when it is a nearest strike to the spot", () => {
  const config = testConfig({ indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } } });
  const at = Date.parse("2026-11-18T11:00:00+05:30");
  const plan = (last: number, atm?: number) =>
    planCycle({ config, at, today: "2026-11-18", spots: new Map([["NIFTY", { index: "NIFTY", last, open: last, high: last, low: last, prevClose: last, time: at, ...(atm === undefined ? {} : { atm }) }]]), listed: new Map([["NIFTY", ["2026-11-24"]]]) }).indices[0]!.atm;
  // A tie: the recorded strike below wins over rounding half up.
  expect([plan(23625), plan(23625, 23600), plan(23625, 23650)]).toEqual([23650, 23600, 23650]);
  // Not a nearest strike (another rule, or a wrong record): G6's rounding.
  expect([plan(23640, 23600), plan(23610, 23650), plan(23610, Number.NaN)]).toEqual([23650, 23600, 23600]);
});
