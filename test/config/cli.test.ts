/** `g6 config …` and config handling of `g6 run`, as a user runs them (real processes). */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readCsv, tempDir } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");
const ROOT = join(import.meta.dir, "../..");

function g6(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawnSync([process.execPath, CLI, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", ...env } });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

describe("g6 config", () => {
  test("validate: 0 for a valid file, 2 listing every problem by key path", () => {
    const dir = tempDir();
    const good = join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ interval: 30 }));
    const ok = g6(["config", "validate", good]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^${good}: valid \\(config [0-9a-f]{12}\\)`));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify({ interval: "x", indices: { FINNIFTY: { expiries: ["next_week"] } }, stroage: {} }));
    const res = g6(["config", "validate", bad]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(`interval: expected number; got "x" (from config file ${bad}#interval)`);
    expect(res.stderr).toContain(`stroage: unknown setting`);
    const malformed = join(dir, "malformed.json");
    writeFileSync(malformed, "{");
    expect(g6(["config", "validate", malformed]).code).toBe(2);
  });

  test("show --explain marks changed values with their sources; secrets stay hidden", () => {
    const res = g6(["config", "show", "--explain", "--interval", "7"], { G6_SERVER__TOKEN: "hunter2-token", G6_INDICES__SENSEX__ENABLED: "false" });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^\* interval +  = 7 {2}\(flag --interval\)$/m);
    expect(res.stdout).toMatch(/^\* indices\.SENSEX\.enabled += false {2}\(environment G6_INDICES__SENSEX__ENABLED\)$/m);
    expect(res.stdout).toMatch(/^\* server\.token += "\*\*\*" {2}\(environment G6_SERVER__TOKEN\)$/m);
    expect(res.stdout + res.stderr).not.toContain("hunter2-token");
    const json = JSON.parse(g6(["config", "show", "--json"], { G6_SERVER__TOKEN: "hunter2-token" }).stdout);
    expect(json.server.token).toBe("***");
  });

  test("docs --check passes on the committed reference", () => {
    const res = g6(["config", "docs", "--check"]);
    expect(res.stdout).toBe("");
    expect(res.code).toBe(0);
  });

  test("schema prints a JSON Schema", () => {
    const schema = JSON.parse(g6(["config", "schema"]).stdout);
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.properties.storage.properties.csv.properties.layout.enum).toEqual(["g6", "expiry_v1"]);
  });
});

describe("usage, help, version and failures", () => {
  test("-v and --version print the version; g6 help [COMMAND] prints usage", () => {
    expect(g6(["-v"])).toMatchObject({ code: 0, stdout: "0.1.0\n" });
    expect(g6(["--version"])).toMatchObject({ code: 0, stdout: "0.1.0\n" });
    const top = g6(["help"]);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain("USAGE g6 [OPTIONS] run|config|metrics|summary|panels");
    const validate = g6(["help", "config", "validate"]);
    expect(validate.code).toBe(0);
    expect(validate.stdout).toContain("USAGE config validate [OPTIONS] [FILE]");
    expect(g6(["config", "validate", "--help"]).stdout).toBe(validate.stdout);
    const unknown = g6(["help", "confg"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe("g6: unknown command confg; did you mean config? (commands: run, config, metrics, summary, panels, kite, ingest)\n");
  });

  test("a runtime failure is one line naming what failed, exit 1; the stack only at log level debug", () => {
    const out = join(tempDir(), "missing/dir/METRICS.md");
    const res = g6(["metrics", "docs", "--out", out]);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe("");
    expect(res.stderr).toBe(`g6: ENOENT: no such file or directory, open '${out}'\n`);
    const debug = g6(["metrics", "docs", "--out", out], { G6_LOG__LEVEL: "debug" });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toStartWith(`g6: ENOENT: no such file or directory, open '${out}'\n`);
    expect(debug.stderr).toMatch(/^ {4}at /m);
  });
});

describe("g6 run and its config", () => {
  test("writes active_config.json with provenance and logs its hash; secrets redacted", () => {
    const dir = tempDir();
    const res = g6(["--cycles", "1", "--interval", "0", "--data-dir", dir], { G6_SERVER__TOKEN: "tok-abc123", G6_PROVIDER__SIM__START: "2026-11-20T10:00" });
    expect(res.code).toBe(0);
    const active = JSON.parse(readFileSync(join(dir, "active_config.json"), "utf8"));
    expect(active.hash).toMatch(/^[0-9a-f]{12}$/);
    expect(res.stdout).toContain(`config ${active.hash} (`);
    expect(active.config.server.token).toBe("***");
    expect(active.sources).toMatchObject({ interval: "flag --interval", "storage.data_dir": "flag --data-dir", "provider.sim.start": "environment G6_PROVIDER__SIM__START" });
    expect(readFileSync(join(dir, "active_config.json"), "utf8") + res.stdout + res.stderr).not.toContain("tok-abc123");
  });

  test("--strict makes an unknown G6_ variable fatal (exit 2, nothing written)", () => {
    const dir = join(tempDir(), "out");
    const res = g6(["--cycles", "1", "--strict", "--data-dir", dir], { G6_INTERVAL_SECONDS: "5" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("G6_INTERVAL_SECONDS matches no setting (did you mean G6_INTERVAL?)");
    expect(existsSync(dir)).toBe(false);
  });

  test("SIGHUP reloads the file: strikes apply from the next cycle, a restart-only change is reported", async () => {
    const dir = tempDir();
    const cfg = join(dir, "g6.json");
    const base = { interval: 1, provider: { sim: { start: "2026-11-20T10:00" } }, indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } } };
    writeFileSync(cfg, JSON.stringify(base));
    const proc = Bun.spawn([process.execPath, CLI, "--config", cfg, "--data-dir", join(dir, "out"), "--plain"], { cwd: ROOT, stdout: "pipe", stderr: "pipe", env: { ...process.env, NO_COLOR: "1", G6_LOG__LEVEL: "debug" } });
    const reader = proc.stdout.getReader();
    let out = "";
    const waitFor = async (text: string) => {
      const deadline = Date.now() + 20_000;
      while (!out.includes(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        out += new TextDecoder().decode(value);
      }
      expect(out).toContain(text);
    };
    await waitFor("cycle 1 ·");
    writeFileSync(cfg, JSON.stringify({ ...base, risk_free_rate: 0.07, indices: { ...base.indices, NIFTY: { strikes_below: 2, strikes_above: 2 } } }));
    proc.kill("SIGHUP");
    await waitFor("config reloaded");
    expect(out).toContain("config reloaded: applied indices.NIFTY.strikes_below, indices.NIFTY.strikes_above; needs a restart: risk_free_rate");
    // Find the first cycle logged after the reload and check its leg count: 4 expiries × 5 strikes × 2.
    const after = out.slice(out.indexOf("config reloaded"));
    await waitFor(`${after.length ? "" : ""}40/40 legs`);
    proc.kill("SIGINT");
    expect(await proc.exited).toBe(0);
    const rows = readCsv(join(dir, "out/g6_data/NIFTY/this_week/-500/2026-11-20.csv")).rows;
    expect(rows.length).toBeGreaterThanOrEqual(1);
  }, 40_000);

  test("a reload of a file with a prototype key or an impossible date is rejected; the engine keeps running", async () => {
    const dir = tempDir();
    const cfg = join(dir, "g6.json");
    const base = { interval: 0.2, provider: { sim: { start: "2026-11-20T10:00" } }, indices: { BANKNIFTY: { enabled: false }, FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } } };
    writeFileSync(cfg, JSON.stringify(base));
    const proc = Bun.spawn([process.execPath, CLI, "--config", cfg, "--data-dir", join(dir, "out")], {
      cwd: ROOT,
      stdout: "pipe",
      stderr: "pipe",
      env: { ...process.env, NO_COLOR: "1", G6_LOG__LEVEL: "debug", G6_SUMMARY__MODE: "off", G6_SERVER__PORT: "0" },
    });
    // Log lines from both streams (errors go to stderr), in arrival order.
    let out = "";
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) out += new TextDecoder().decode(chunk);
    };
    const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]);
    const waitFor = async (pattern: RegExp, from = 0) => {
      const deadline = Date.now() + 20_000;
      while (!pattern.test(out.slice(from)) && Date.now() < deadline) await Bun.sleep(20);
      expect(out.slice(from)).toMatch(pattern);
      return from + out.slice(from).search(pattern);
    };
    try {
      await waitFor(/HTTP API on http:\/\/\S+/);
      const url = /HTTP API on (http:\/\/\S+)/.exec(out)![1]!;
      await waitFor(/cycle 1 ·/);
      writeFileSync(cfg, `{"interval": 0.2, "__proto__": {"enabled": false}, "provider": {"sim": {"start": "2026-11-20T10:00"}}}`);
      proc.kill("SIGHUP");
      const rejected = await waitFor(/config reload rejected, running config unchanged: __proto__: the key "__proto__" is not allowed/);
      await waitFor(/cycle \d+ ·/, rejected);
      writeFileSync(cfg, JSON.stringify({ ...base, market: { holidays: ["2026-02-30"] } }));
      const res = await fetch(`${url}/config/reload`, { method: "POST" });
      expect(res.status).toBe(422);
      expect(await res.text()).toContain("market.holidays.0: expected a real calendar date");
      const again = await waitFor(/config reload rejected, running config unchanged: market\.holidays\.0: expected a real calendar date/, rejected + 1);
      await waitFor(/cycle \d+ ·/, again);
      proc.kill("SIGINT");
      expect(await proc.exited).toBe(0);
      await pumped;
      expect(out).not.toMatch(/^ {4}at /m);
    } finally {
      proc.kill("SIGKILL");
    }
  }, 40_000);
});
