/**
 * Always stoppable and always answering: back-to-back cycles (interval 0) still let signals,
 * HTTP requests and reloads run; a second signal exits at once without a torn row; every run
 * ends with one line saying what it did and where the data is.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/engine.ts";
import { spawnG6 } from "../helpers/process.ts";

// Window scope: the stop path is under test, and chain scope's simulated chain legs (about 4,300
// more legs generated a cycle) lengthen the cycle a SIGTERM lets finish.
const START = { analytics: { scope: "window" }, provider: { sim: { start: "2026-11-20T10:00" } } };

function setup(extra: Record<string, unknown> = {}) {
  const dir = tempDir();
  const cfg = join(dir, "g6.json");
  writeFileSync(cfg, JSON.stringify({ ...START, ...extra }));
  return { dir, cfg, out: join(dir, "out") };
}

/** Every CSV file under `root`: each line has the header's field count (no torn or glued row). */
function assertNoTornRows(root: string): number {
  let files = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith(".csv")) {
        files++;
        const text = readFileSync(p, "utf8");
        expect(text.endsWith("\n")).toBe(true);
        const lines = text.trimEnd().split("\n");
        const width = lines[0]!.split(",").length;
        for (const line of lines) expect(line.split(",").length).toBe(width);
      }
    }
  };
  walk(root);
  return files;
}

const status = (out: string) => JSON.parse(readFileSync(join(out, "runtime_status.json"), "utf8"));

describe("back-to-back cycles (interval 0)", () => {
  for (const pool of ["0", "2"]) {
    test(`pool ${pool}: /healthz, /metrics and a reload answer while cycling; SIGTERM stops it promptly`, async () => {
      const { cfg, out } = setup();
      const g6 = spawnG6(["--interval", "0", "--pool", pool, "--data-dir", out, "--config", cfg, "--plain"], { G6_LOG__LEVEL: "info" });
      const url = await g6.url();
      for (let i = 0; i < 100 && !existsSync(join(out, "runtime_status.json")); i++) await Bun.sleep(50);
      // Cycles are running back to back; the API must still answer promptly.
      const t0 = performance.now();
      const health = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      expect(health.status).toBe(200);
      const metrics = await (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
      expect(metrics).toContain("g6_cycles_total");
      const reload = await fetch(`${url}/config/reload`, { method: "POST", signal: AbortSignal.timeout(2000) });
      expect(reload.status).toBe(200);
      expect(performance.now() - t0).toBeLessThan(3000);
      await g6.waitFor(/config reloaded/);
      const before = status(out).cycles_run as number;
      expect(before).toBeGreaterThanOrEqual(1);

      const killedAt = performance.now();
      g6.proc.kill("SIGTERM");
      const code = await g6.exited(10_000);
      const stopMs = performance.now() - killedAt;
      expect(code).toBe(0);
      // Promptly: the current cycle finishes and no new one starts (a few seconds at most on a loaded machine).
      expect(stopMs).toBeLessThan(5000);
      expect(g6.output()).toContain("SIGTERM: finishing the current cycle");
      const after = status(out);
      // A signal handled in the yield between cycles starts no new cycle.
      expect(after.cycles_run).toBeGreaterThanOrEqual(before);
      expect(g6.output()).toContain(`g6: stopped after ${after.cycles_run} cycles · ${after.sinks.csv.rows} CSV rows written · 0 errors · data in ${out}`);
      expect(assertNoTornRows(join(out, "g6_data"))).toBeGreaterThan(0);
    }, 60_000);
  }

  test("SIGHUP reloads between back-to-back cycles", async () => {
    const { cfg, out } = setup();
    const g6 = spawnG6(["--interval", "0", "--pool", "0", "--data-dir", out, "--config", cfg, "--plain"], { G6_SERVER__ENABLED: "false" });
    await g6.waitFor(/provider sim/);
    for (let i = 0; i < 100 && !existsSync(join(out, "runtime_status.json")); i++) await Bun.sleep(20);
    g6.proc.kill("SIGHUP");
    await g6.waitFor(/config reloaded: no reloadable change/, 5000);
    g6.proc.kill("SIGINT");
    expect(await g6.exited()).toBe(0);
  }, 30_000);

  test("a second SIGINT exits at once (130) and leaves no torn row (the terminal: test/summary/live.test.ts)", async () => {
    // Universe cycles on the pool take long enough, and wait on the workers, so the second
    // signal lands inside a cycle.
    const { cfg, out } = setup();
    const g6 = spawnG6(["--preset", "universe", "--interval", "0", "--pool", "2", "--data-dir", out, "--config", cfg], { G6_SERVER__ENABLED: "false", G6_SUMMARY__MODE: "off" });
    await g6.waitFor(/provider sim/);
    for (let i = 0; i < 400 && !existsSync(join(out, "runtime_status.json")); i++) await Bun.sleep(25);
    g6.proc.kill("SIGINT");
    await g6.waitFor(/SIGINT: finishing the current cycle/, 5000);
    g6.proc.kill("SIGINT");
    const code = await g6.exited(10_000);
    expect(g6.output()).toContain("g6: second SIGINT: exiting without finishing the running cycle");
    expect(code).toBe(130);
    expect(g6.output()).toMatch(/g6: stopped after \d+ cycles? · \d+ CSV rows written/);
    expect(assertNoTornRows(join(out, "g6_data"))).toBeGreaterThan(0);
  }, 90_000);
});

describe("HTTP flood", () => {
  test("six clients scraping /metrics without pause do not delay the cycles", async () => {
    const { cfg, out } = setup();
    const g6 = spawnG6(["--interval", "1", "--pool", "0", "--data-dir", out, "--config", cfg, "--plain"]);
    const url = await g6.url();
    for (let i = 0; i < 100 && !existsSync(join(out, "runtime_status.json")); i++) await Bun.sleep(50);
    const first = status(out).cycles_run as number;
    const floodMs = 6000;
    const until = performance.now() + floodMs;
    let scrapes = 0;
    const client = async () => {
      while (performance.now() < until) {
        const res = await fetch(`${url}/metrics`);
        await res.text();
        scrapes++;
      }
    };
    await Promise.all(Array.from({ length: 6 }, client));
    const s = status(out);
    g6.proc.kill("SIGTERM");
    expect(await g6.exited()).toBe(0);
    // A 1 s schedule over 6 s of flood: 6 ticks, at most one lost to the machine's noise.
    expect(s.cycles_run - first).toBeGreaterThanOrEqual(5);
    expect(scrapes).toBeGreaterThan(100);
    // Ticks that did start late are counted (a count of cycles, never more), never hidden.
    expect(s.late_ticks).toBeGreaterThanOrEqual(0);
    expect(s.late_ticks).toBeLessThanOrEqual(s.cycles_run);
  }, 60_000);
});
