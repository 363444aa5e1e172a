import { describe, expect, test } from "bun:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { problemsOf } from "../helpers/config.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "g6-config-"));
function fileWith(content: string): string {
  const path = join(tmp(), "g6.json");
  writeFileSync(path, content);
  return path;
}

describe("config defaults", () => {
  test("a production-like default with no file", () => {
    const { config, provenance } = loadConfig();
    expect(config.interval).toBe(60);
    expect(config.risk_free_rate).toBe(0.065);
    expect(config.indices.NIFTY.expiries).toEqual(["this_week", "next_week", "this_month", "next_month"]);
    expect(config.indices.SENSEX.expiries).toEqual(["this_week", "next_week", "this_month", "next_month"]);
    for (const name of ["BANKNIFTY", "FINNIFTY", "MIDCPNIFTY"] as const) {
      expect(config.indices[name].expiries).toEqual(["this_month", "next_month"]);
      expect(config.indices[name].weekly).toBe(false);
    }
    expect(config.indices.NIFTY.strikes_below).toBe(10);
    expect(config.indices.NIFTY.strikes_above).toBe(10);
    expect(config.provider.kind).toBe("sim");
    expect(provenance.size).toBe(0);
    expect(Object.isFrozen(config.indices.NIFTY)).toBe(true);
  });
});

describe("layers and provenance", () => {
  test("file < env < cli, each value remembering its source", () => {
    const file = fileWith(JSON.stringify({ interval: 30, indices: { NIFTY: { strikes_below: 4 } }, provider: { sim: { seed: 5 } } }));
    const { config, provenance } = loadConfig({
      file,
      env: { G6_INTERVAL: "15", G6_INDICES__NIFTY__EXPIRIES: "this_week,next_week", G6_STORAGE__CSV__ENABLED: "false", HOME: "/x" },
      cli: [{ path: "interval", value: 5, flag: "--interval" }],
    });
    expect(config.interval).toBe(5);
    expect(provenance.get("interval")).toEqual({ layer: "cli", where: "--interval" });
    expect(config.indices.NIFTY.strikes_below).toBe(4);
    expect(provenance.get("indices.NIFTY.strikes_below")).toEqual({ layer: "file", where: `${file}#indices.NIFTY.strikes_below` });
    expect(config.indices.NIFTY.strikes_above).toBe(10);
    expect(config.indices.NIFTY.expiries).toEqual(["this_week", "next_week"]);
    expect(provenance.get("indices.NIFTY.expiries")).toEqual({ layer: "env", where: "G6_INDICES__NIFTY__EXPIRIES" });
    expect(config.storage.csv.enabled).toBe(false);
    expect(config.provider.sim.seed).toBe(5);
  });

  test("an unknown G6_ variable is a warning, not silently used", () => {
    const { warnings } = loadConfig({ env: { G6_INTERVALL: "3" } });
    expect(warnings).toEqual(["environment G6_INTERVALL matches no setting (did you mean G6_INTERVAL?); ignored"]);
  });
});

describe("bad input names the key path and the layer", () => {
  test("unknown key in the file", () => {
    const file = fileWith(JSON.stringify({ indices: { NIFTY: { strikes_bellow: 3 } } }));
    expect(problemsOf(() => loadConfig({ file }))).toEqual([`indices.NIFTY.strikes_bellow: unknown setting (from config file ${file}#indices.NIFTY.strikes_bellow)`]);
  });

  test("wrong type from the environment", () => {
    const problems = problemsOf(() => loadConfig({ env: { G6_INTERVAL: "soon" } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith("interval: expected number");
    expect(problems[0]).toContain('got "soon"');
    expect(problems[0]).toContain("(from environment G6_INTERVAL)");
  });

  test("out of range from a flag", () => {
    const problems = problemsOf(() => loadConfig({ cli: [{ path: "interval", value: -1, flag: "--interval" }] }));
    expect(problems[0]).toStartWith("interval: expected >=0");
    expect(problems[0]).toContain("(from flag --interval)");
  });

  test("strike count over the limit, bad expiry tag, every problem listed", () => {
    const file = fileWith(JSON.stringify({ indices: { NIFTY: { strikes_above: 500, expiries: ["this_wek"] } } }));
    const problems = problemsOf(() => loadConfig({ file }));
    expect(problems.some((p) => p.startsWith("indices.NIFTY.strikes_above: expected <=200; got 500"))).toBe(true);
    expect(problems.some((p) => p.startsWith("indices.NIFTY.expiries.0: expected an expiry tag"))).toBe(true);
  });

  test("malformed JSON and a missing file name the file", () => {
    const file = fileWith("{ interval: 5 ");
    expect(problemsOf(() => loadConfig({ file }))[0]).toStartWith(`config file ${file}: malformed JSON`);
    expect(problemsOf(() => loadConfig({ file: "/nonexistent/g6.json" }))[0]).toBe("config file /nonexistent/g6.json: cannot be read (ENOENT)");
  });
});

const DECIMAL_HINT = "; write numbers in plain decimal (e.g. 16 or 0.5)";

describe("values a person would not mean", () => {
  test("a bad value is reported even when a higher layer overrides it", () => {
    const file = fileWith(JSON.stringify({ interval: "soon", provider: { sim: { seed: -5 } } }));
    const problems = problemsOf(() =>
      loadConfig({ file, env: { G6_PROVIDER__SIM__SEED: "3", G6_INTERVAL: "0x10" }, cli: [{ path: "interval", value: 5, flag: "--interval" }] }),
    );
    expect(problems).toEqual([
      `interval: expected number; got "soon" (from config file ${file}#interval)`,
      `provider.sim.seed: expected >=0; got -5 (from config file ${file}#provider.sim.seed)`,
      `interval: expected number; got "0x10" (from environment G6_INTERVAL)${DECIMAL_HINT}`,
    ]);
  });

  test("environment numbers are plain decimal", () => {
    expect(loadConfig({ env: { G6_INTERVAL: " 16 ", G6_RISK_FREE_RATE: ".07", G6_ANALYTICS__TICK: "0.5" } }).config).toMatchObject({ interval: 16, risk_free_rate: 0.07, analytics: { tick: 0.5 } });
    for (const raw of ["0x10", "1e3", "Infinity", "0b11", "0o7"]) {
      expect(problemsOf(() => loadConfig({ env: { G6_INTERVAL: raw } }))).toEqual([`interval: expected number; got ${JSON.stringify(raw)} (from environment G6_INTERVAL)${DECIMAL_HINT}`]);
    }
    for (const raw of ["1_000", "", "fast"]) {
      expect(problemsOf(() => loadConfig({ env: { G6_INTERVAL: raw } }))).toEqual([`interval: expected number; got ${JSON.stringify(raw)} (from environment G6_INTERVAL)`]);
    }
  });

  test("an array or a scalar where a group is expected", () => {
    const file = fileWith(JSON.stringify({ storage: [], indices: { NIFTY: 5 } }));
    expect(problemsOf(() => loadConfig({ file })).sort()).toEqual([
      `indices.NIFTY: expected an object of settings ({…}); got 5 (from config file ${file}#indices.NIFTY)`,
      `storage: expected an object of settings ({…}); got [] (from config file ${file}#storage)`,
    ]);
  });

  test("impossible dates in every date setting; real ones pass", () => {
    const file = fileWith(JSON.stringify({ market: { holidays: ["2024-02-29", "2026-02-29"] }, provider: { sim: { start: "2026-04-31T09:15" } }, indices: { NIFTY: { expiries: ["2026-00-10"] } } }));
    expect(problemsOf(() => loadConfig({ file }))).toEqual([
      `market.holidays.1: expected a real calendar date; got "2026-02-29" (from config file ${file}#market.holidays)`,
      `indices.NIFTY.expiries.0: expected a real calendar date; got "2026-00-10" (from config file ${file}#indices.NIFTY.expiries)`,
      `provider.sim.start: expected a real calendar date and time; got "2026-04-31T09:15" (from config file ${file}#provider.sim.start)`,
    ]);
    const good = fileWith(JSON.stringify({ market: { holidays: ["2024-02-29"] }, provider: { sim: { start: "2026-04-30T23:59" } }, indices: { NIFTY: { expiries: ["2026-12-31"] } } }));
    expect(loadConfig({ file: good }).config.provider.sim.start).toBe("2026-04-30T23:59");
  });
});
