/** Signals: SIGINT/SIGTERM finish the running cycle, flush, terminate workers and exit 0. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

async function runUntilSignal(signal: NodeJS.Signals, pool: string) {
  const dir = tempDir();
  const cfg = join(dir, "g6.json");
  writeFileSync(cfg, JSON.stringify({ provider: { sim: { start: "2026-11-20T10:00" } } }));
  const proc = Bun.spawn([process.execPath, CLI, "--interval", "1", "--pool", pool, "--data-dir", join(dir, "out"), "--config", cfg], {
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", G6_LOG__LEVEL: "debug" },
  });
  let output = "";
  const decoder = new TextDecoder();
  const reader = proc.stdout.getReader();
  const deadline = Date.now() + 20_000;
  while (!output.includes("cycle 2 ·") && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    output += decoder.decode(value);
  }
  expect(output).toContain("cycle 2 ·");
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill("SIGKILL"), 15_000);
  const code = await proc.exited;
  clearTimeout(timer);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    output += decoder.decode(value);
  }
  return { code, output, dir };
}

describe("shutdown", () => {
  for (const [signal, pool] of [["SIGINT", "2"], ["SIGTERM", "0"]] as const) {
    test(`${signal} with pool ${pool}: finishes, flushes and exits 0`, async () => {
      const { code, output, dir } = await runUntilSignal(signal, pool);
      expect(code).toBe(0);
      expect(output).toContain(`${signal}: finishing the current cycle, then flushing`);
      const status = JSON.parse(readFileSync(join(dir, "out/runtime_status.json"), "utf8"));
      expect(status.cycles_run).toBeGreaterThanOrEqual(2);
      const csv = join(dir, "out/g6_data/NIFTY/this_week/0/2026-11-20.csv");
      expect(existsSync(csv)).toBe(true);
      const rows = readFileSync(csv, "utf8").trim().split("\n").slice(1);
      expect(rows).toHaveLength(status.cycles_run);
    }, 40_000);
  }
});
