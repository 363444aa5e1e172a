/**
 * The market clock's settings: `market.force_open` (default false, reloadable, documented, set
 * by --force-open, G6_MARKET__FORCE_OPEN or the file) and `provider.sim.clock` ("session" by
 * default, or "wall").
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { cliLayer } from "../../src/config/run-args.ts";
import { planReload } from "../../src/config/store.ts";
import { problemsOf } from "../helpers/config.ts";

const ROOT = join(import.meta.dir, "../..");
const CLI = join(ROOT, "src/cli.ts");

describe("market clock settings", () => {
  test("market.force_open: false by default; --force-open and G6_MARKET__FORCE_OPEN set it", () => {
    expect(loadConfig({ env: {} }).config.market.force_open).toBe(false);
    const fromFlag = loadConfig({ env: {}, cli: cliLayer({ "force-open": true }) });
    expect(fromFlag.config.market.force_open).toBe(true);
    expect(fromFlag.provenance.get("market.force_open")).toEqual({ layer: "cli", where: "--force-open" });
    expect(cliLayer({})).toEqual([]);
    expect(loadConfig({ env: { G6_MARKET__FORCE_OPEN: "true" } }).config.market.force_open).toBe(true);
  });

  test("market.force_open applies on reload; provider.sim.clock needs a restart", () => {
    const before = loadConfig({ env: {} }).config;
    const after = loadConfig({ env: { G6_MARKET__FORCE_OPEN: "true", G6_PROVIDER__SIM__CLOCK: "wall" } }).config;
    const { config, result } = planReload(before, after);
    expect(result.applied).toEqual(["market.force_open"]);
    expect(result.restartNeeded).toEqual(["provider.sim.clock"]);
    expect(config.market.force_open).toBe(true);
  });

  test("provider.sim.clock: session by default, wall accepted, anything else named", () => {
    expect(loadConfig({ env: {} }).config.provider.sim.clock).toBe("session");
    expect(loadConfig({ env: { G6_PROVIDER__SIM__CLOCK: "wall" } }).config.provider.sim.clock).toBe("wall");
    expect(problemsOf(() => loadConfig({ env: { G6_PROVIDER__SIM__CLOCK: "tick" } })).join("\n")).toContain("provider.sim.clock");
  });

  test("documented in docs/CONFIGURATION.md, force_open as reloadable with its flag and its limit", () => {
    const docs = readFileSync(join(ROOT, "docs/CONFIGURATION.md"), "utf8");
    const row = docs.split("\n").find((l) => l.startsWith("| `force_open` "));
    expect(row).toContain("`G6_MARKET__FORCE_OPEN`");
    expect(row).toContain("reloadable");
    expect(row).toContain("--force-open");
    expect(row).toContain("No effect on the simulator's own session clock");
    expect(docs.split("\n").find((l) => l.startsWith("| `clock` "))).toContain('"session" \\| "wall"');
  });

  test("g6 config show --force-open", () => {
    const proc = Bun.spawnSync([process.execPath, CLI, "config", "show", "--force-open"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    expect(proc.exitCode).toBe(0);
    expect(JSON.parse(proc.stdout.toString()).market.force_open).toBe(true);
  });
});
