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
});
