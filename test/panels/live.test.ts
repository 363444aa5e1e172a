/**
 * Panels against a live engine: a reader verifying the set over and over while a real `g6` run
 * writes generations back to back sees no inconsistent set, and a `g6` killed with SIGKILL at
 * random instants (startup and recovery included) always leaves a set that verifies.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { verifyPanels } from "../../src/sinks/panels/verify.ts";
import { tempDir } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

/** A real g6 run, cycles back to back until killed, without server, CSV or the chain legs (more generations per second). */
function spawnG6(dataDir: string) {
  return Bun.spawn([process.execPath, CLI, "--interval", "0", "--pool", "0", "--plain", "--data-dir", dataDir], {
    stdout: "ignore",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", G6_SERVER__ENABLED: "false", G6_STORAGE__CSV__ENABLED: "false", G6_SUMMARY__MODE: "off", G6_ANALYTICS__SCOPE: "window" },
  });
}

/** Waits until the panels verify once (the first generation is out); false on timeout. */
async function firstGeneration(dir: string, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (verifyPanels(dir).outcome === "ok") return true;
    await Bun.sleep(10);
  }
  return false;
}

describe("panels under a live engine", () => {
  test("a reader verifying over and over while generations are written sees no inconsistent set", async () => {
    const root = tempDir("g6-panels-live-");
    const dir = join(root, "panels");
    const proc = spawnG6(root);
    try {
      expect(await firstGeneration(dir)).toBe(true);
      const bad: string[] = [];
      const seen = new Set<string>();
      let reads = 0;
      // Read until enough generations and reads were seen (not for a fixed time: on a loaded
      // machine the engine writes fewer generations a second); the deadline is only a guard.
      const until = Date.now() + 40_000;
      while ((seen.size <= 20 || reads <= 100) && Date.now() < until) {
        const report = verifyPanels(dir);
        reads++;
        if (report.outcome !== "ok") bad.push(`${report.generation}: ${report.problems.join("; ")}`);
        else seen.add(report.generation ?? JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")).cycle);
      }
      expect({ inconsistent: bad.length, first: bad.slice(0, 3) }).toEqual({ inconsistent: 0, first: [] });
      expect(reads).toBeGreaterThan(100);
      expect(seen.size).toBeGreaterThan(20);
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  }, 60_000);

  test("SIGKILL at random instants always leaves a set that verifies, and a status file still 'running'", async () => {
    const root = tempDir("g6-panels-kill-");
    const dir = join(root, "panels");
    const kills: string[] = [];
    for (let run = 0; run < 6; run++) {
      const proc = spawnG6(root);
      const started = Date.now();
      // The first run must get a generation out; later ones may die in startup or recovery.
      if (run === 0) expect(await firstGeneration(dir)).toBe(true);
      const delay = Math.floor(Math.random() * 1_200);
      await Bun.sleep(delay);
      proc.kill("SIGKILL");
      expect(await proc.exited).not.toBe(0);
      const report = verifyPanels(dir);
      kills.push(`run ${run}: killed ${Date.now() - started} ms after start (${report.generation}: ${report.outcome} ${report.problems.join("; ")})`);
      expect(kills.filter((k) => !k.includes(": ok"))).toEqual([]);
      const status = JSON.parse(readFileSync(join(root, "runtime_status.json"), "utf8"));
      expect(status.state).toBe("running");
      expect(status.stopped_at).toBeNull();
      expect(Date.parse(status.written_at)).toBeLessThanOrEqual(Date.now());
    }
    // A clean run after the crashes recovers the directory and leaves the status stopped.
    const clean = Bun.spawnSync([process.execPath, CLI, "--cycles", "2", "--interval", "0", "--pool", "0", "--plain", "--data-dir", root], {
      env: { ...process.env, NO_COLOR: "1", G6_SERVER__ENABLED: "false", G6_STORAGE__CSV__ENABLED: "false", G6_SUMMARY__MODE: "off", G6_ANALYTICS__SCOPE: "window" },
    });
    expect(clean.exitCode).toBe(0);
    expect(verifyPanels(dir).outcome).toBe("ok");
    expect(readdirSync(dir).filter((e) => e !== "current")).toHaveLength(2);
    expect(existsSync(join(root, "runtime_status.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(root, "runtime_status.json"), "utf8"))).toMatchObject({ state: "stopped", cycles_run: 2 });
    expect(readdirSync(root).filter((e) => e.includes(".tmp-"))).toEqual([]);
  }, 120_000);
});
