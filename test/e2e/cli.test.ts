/** The g6 command line as a user runs it: a real process, real files, exit codes. */
import { describe, expect, test } from "bun:test";
import { appendFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listFiles, readCsv, tempDir } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

function g6(args: string[], env: Record<string, string> = {}) {
  const proc = Bun.spawnSync([process.execPath, CLI, ...args], { env: { ...process.env, ...env, NO_COLOR: "1" } });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

function writeConfig(dir: string, content: unknown): string {
  const path = join(dir, "g6.json");
  writeFileSync(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const START = { provider: { sim: { start: "2026-11-20T10:00" } } };

describe("g6 cli", () => {
  test("--help lists the command and its flags", () => {
    const { code, stdout } = g6(["--help"]);
    expect(code).toBe(0);
    for (const flag of ["--cycles", "--interval", "--provider", "--seed", "--data-dir", "--config"]) expect(stdout).toContain(flag);
  });

  test("runs N cycles quietly at the default level, one log line each at debug, and writes G6 files", () => {
    const dir = tempDir();
    const cfg = writeConfig(dir, START);
    const quiet = g6(["--cycles", "1", "--interval", "0", "--data-dir", join(dir, "quiet"), "--config", cfg]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr + quiet.stdout).not.toMatch(/cycle \d+ ·/);
    const { code, stdout, stderr } = g6(["--cycles", "3", "--interval", "0", "--data-dir", join(dir, "out"), "--config", cfg], { G6_LOG__LEVEL: "debug" });
    expect(stderr + stdout).toContain("cycle 3 ·");
    expect((stderr + stdout).match(/cycle \d+ ·/g)).toHaveLength(3);
    expect(code).toBe(0);
    const rows = readCsv(join(dir, "out/g6_data/NIFTY/this_week/0/2026-11-20.csv")).rows;
    expect(rows.map((r) => r.timestamp)).toEqual(["20-11-2026 10:00:00", "20-11-2026 10:01:00", "20-11-2026 10:02:00"]);
    const status = JSON.parse(readFileSync(join(dir, "out/runtime_status.json"), "utf8"));
    expect(status.cycle).toBe(3);
    expect(status.cycles_run).toBe(3);
    expect(status.indices).toHaveLength(5);
  });

  test("same seed and config give byte-identical files; another seed differs", () => {
    const dirs = [tempDir(), tempDir(), tempDir()];
    const seeds = ["11", "11", "12"];
    dirs.forEach((d, i) => {
      const cfg = writeConfig(d, START);
      expect(g6(["--cycles", "2", "--interval", "0", "--seed", seeds[i]!, "--data-dir", join(d, "out"), "--config", cfg]).code).toBe(0);
    });
    const files = listFiles(join(dirs[0]!, "out/g6_data"));
    expect(files).toHaveLength(14 * 21 + 5);
    expect(listFiles(join(dirs[1]!, "out/g6_data"))).toEqual(files);
    const read = (d: string, f: string) => readFileSync(join(d, "out/g6_data", f), "utf8");
    for (const f of files) expect(read(dirs[1]!, f)).toBe(read(dirs[0]!, f));
    expect(read(dirs[2]!, "NIFTY/this_week/0/2026-11-20.csv")).not.toBe(read(dirs[0]!, "NIFTY/this_week/0/2026-11-20.csv"));
  });

  test("a torn last line is repaired and a rerun of the same session writes no duplicate rows", () => {
    const dir = tempDir();
    const cfg = writeConfig(dir, START);
    const out = join(dir, "out");
    expect(g6(["--cycles", "3", "--interval", "0", "--data-dir", out, "--config", cfg]).code).toBe(0);
    const file = join(out, "g6_data/NIFTY/this_week/0/2026-11-20.csv");
    const overview = join(out, "g6_data/overview/NIFTY/2026-11-20.csv");
    appendFileSync(file, "20-11-2026 10:03:00,NIFTY,this_we");
    appendFileSync(overview, "20-11-2026 10:0");
    expect(g6(["--cycles", "5", "--interval", "0", "--data-dir", out, "--config", cfg]).code).toBe(0);
    for (const path of [file, overview]) {
      const text = readFileSync(path, "utf8");
      expect(text.endsWith("\n")).toBe(true);
      const stamps = readCsv(path).rows.map((r) => r.timestamp);
      expect(stamps).toEqual(["20-11-2026 10:00:00", "20-11-2026 10:01:00", "20-11-2026 10:02:00", "20-11-2026 10:03:00", "20-11-2026 10:04:00"]);
      for (const r of readCsv(path).rows) expect(Object.keys(r)).toHaveLength(readCsv(path).header.length);
    }
  });

  test("bad config exits 2, names the key and its layer, and writes nothing", () => {
    const dir = tempDir();
    const out = join(dir, "out");
    const cfg = writeConfig(dir, { indices: { NIFTY: { strikes_abov: 3 } } });
    const bad = g6(["--cycles", "1", "--data-dir", out, "--config", cfg]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`indices.NIFTY.strikes_abov: unknown setting (from config file ${cfg}#indices.NIFTY.strikes_abov)`);
    expect(existsSync(out)).toBe(false);

    const env = g6(["--cycles", "1", "--data-dir", out], { G6_INTERVAL: "fast" });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('interval: expected number; got "fast" (from environment G6_INTERVAL)');
    const flag = g6(["--cycles", "1", "--data-dir", out, "--seed", "-4"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain("provider.sim.seed: expected >=0; got -4 (from flag --seed)");
    const cycles = g6(["--cycles", "two", "--data-dir", out]);
    expect(cycles.code).toBe(2);
    expect(cycles.stderr).toContain("--cycles: expected a whole number");
    expect(existsSync(out)).toBe(false);
  });
});
