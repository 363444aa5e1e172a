/**
 * A real Prometheus server scrapes a real g6 process (started through the CLI) and answers
 * queries about it. Fails, not skips, when prometheus is missing (scripts/test-deps.sh installs it).
 */
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../helpers/engine.ts";
import { freePort } from "../helpers/net.ts";
import { requireBinary } from "../helpers/binaries.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");


async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const got = await probe().catch(() => null);
    if (got !== null) return got;
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(200);
  }
}

type PromVector = { metric: Record<string, string>; value: [number, string] }[];

async function query(base: string, q: string): Promise<PromVector> {
  const res = await fetch(`${base}/api/v1/query?query=${encodeURIComponent(q)}`);
  const body = (await res.json()) as { status: string; data: { result: PromVector } };
  if (body.status !== "success") throw new Error(`query ${q}: ${body.status}`);
  return body.data.result;
}

const procs: Bun.Subprocess[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) {
    p.kill("SIGTERM");
    await p.exited;
  }
});

test("prometheus scrapes g6 and answers g6_cycles_total and a per-index gauge", async () => {
  const prometheus = requireBinary("prometheus");
  const dir = tempDir();
  const g6Port = freePort();
  const cfg = join(dir, "g6.json");
  writeFileSync(cfg, JSON.stringify({ provider: { sim: { start: "2026-11-20T10:00" } }, server: { enabled: true, port: g6Port } }));
  const g6 = Bun.spawn([process.execPath, CLI, "--interval", "1", "--pool", "0", "--data-dir", join(dir, "out"), "--config", cfg], {
    // The environment outranks the file: the test preload's G6_SERVER__PORT=0 must be replaced.
    env: { ...process.env, NO_COLOR: "1", G6_SERVER__PORT: String(g6Port) },
    stdout: "ignore",
    stderr: "pipe",
  });
  procs.push(g6);
  const g6Url = `http://127.0.0.1:${g6Port}`;
  await waitFor("g6 ready", 15_000, async () => ((await fetch(`${g6Url}/readyz`)).status === 200 ? true : null));

  const promPort = freePort();
  const promCfg = join(dir, "prometheus.yml");
  writeFileSync(
    promCfg,
    ["global:", "  scrape_interval: 1s", "scrape_configs:", "  - job_name: g6", "    static_configs:", `      - targets: ["127.0.0.1:${g6Port}"]`, ""].join("\n"),
  );
  const prom = Bun.spawn(
    [prometheus, `--config.file=${promCfg}`, `--storage.tsdb.path=${join(dir, "tsdb")}`, `--web.listen-address=127.0.0.1:${promPort}`],
    { stdout: "ignore", stderr: "ignore" },
  );
  procs.push(prom);
  const promUrl = `http://127.0.0.1:${promPort}`;

  // Two scrapes: two samples of the counter in the last minute.
  await waitFor("two scrapes", 30_000, async () => {
    const r = await query(promUrl, "count_over_time(g6_cycles_total[1m])");
    return r.length === 1 && Number(r[0]!.value[1]) >= 2 ? r : null;
  });
  const cycles = await query(promUrl, 'g6_cycles_total{job="g6"}');
  expect(cycles).toHaveLength(1);
  expect(Number(cycles[0]!.value[1])).toBeGreaterThanOrEqual(1);
  const spot = await query(promUrl, 'g6_index_spot{index="NIFTY"}');
  expect(spot).toHaveLength(1);
  expect(Number(spot[0]!.value[1])).toBeGreaterThan(1000);
  const up = await query(promUrl, 'up{job="g6"}');
  expect(up[0]!.value[1]).toBe("1");

  g6.kill("SIGTERM");
  expect(await g6.exited).toBe(0);
}, 50_000);
