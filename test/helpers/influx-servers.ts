/**
 * Real time-series servers for the InfluxDB sink's tests, each on 127.0.0.1 with a free port and
 * its data in a temp directory: VictoriaMetrics (accepts /api/v2/write and /write, read back with
 * /api/v1/export) and InfluxDB 1.x (a real TSM engine: /write and /query). Installed by
 * scripts/test-deps.sh; a missing binary fails the test naming the package.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireBinary } from "./binaries.ts";
import { freePort } from "./net.ts";

export type Server = {
  url: string;
  /** Stops the server (SIGTERM, then waits); idempotent. */
  stop(): Promise<void>;
  /** Starts it again on the same port and data (after stop). */
  start(): Promise<void>;
};

async function waitHealthy(url: string, proc: Bun.Subprocess, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with status ${proc.exitCode} before answering`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    await Bun.sleep(50);
  }
  throw new Error(`${what} did not answer ${url} within ${timeoutMs} ms`);
}

function managed(spawn: () => Bun.Subprocess, health: string, what: string, url: string): Server & { ready: Promise<void> } {
  let proc: Bun.Subprocess | null = null;
  const start = async () => {
    proc = spawn();
    await waitHealthy(health, proc, what);
  };
  return {
    url,
    ready: start(),
    start,
    async stop() {
      if (!proc) return;
      const p = proc;
      proc = null;
      p.kill("SIGTERM");
      const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
      await p.exited;
      clearTimeout(timer);
    },
  };
}

/** VictoriaMetrics with a century of retention and deduplication of equal timestamps. */
export async function startVictoriaMetrics(dir: string): Promise<Server & { exportLines(match: string): Promise<ExportSeries[]>; flush(): Promise<void> }> {
  const bin = requireBinary("victoria-metrics");
  const port = freePort();
  const url = `http://127.0.0.1:${port}`;
  const s = managed(
    () =>
      Bun.spawn([bin, `-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${join(dir, "vm-data")}`, "-retentionPeriod=100y", "-dedup.minScrapeInterval=1ms", "-loggerLevel=ERROR"], {
        stdout: "ignore",
        stderr: "ignore",
      }),
    `${url}/health`,
    "victoria-metrics",
    url,
  );
  await s.ready;
  const flush = async () => void (await fetch(`${url}/internal/force_flush`));
  return {
    ...s,
    flush,
    async exportLines(match) {
      await flush();
      const res = await fetch(`${url}/api/v1/export?${new URLSearchParams({ "match[]": match, start: "0" })}`);
      if (!res.ok) throw new Error(`export: HTTP ${res.status} ${await res.text()}`);
      const text = await res.text();
      return text
        .split("\n")
        .filter((l) => l)
        .map((l) => JSON.parse(l) as ExportSeries);
    },
  };
}

export type ExportSeries = { metric: Record<string, string>; values: number[]; timestamps: number[] };

/** InfluxDB 1.x bound to 127.0.0.1 (HTTP and its RPC port), data under `dir`, reporting off. */
export async function startInfluxDb1(dir: string): Promise<Server & { query(q: string, db?: string): Promise<any> }> {
  const bin = requireBinary("influxd");
  const http = freePort();
  const rpc = freePort();
  const url = `http://127.0.0.1:${http}`;
  mkdirSync(join(dir, "influx"), { recursive: true });
  const conf = join(dir, "influx", "influxdb.conf");
  writeFileSync(
    conf,
    [
      "reporting-disabled = true",
      `bind-address = "127.0.0.1:${rpc}"`,
      "[meta]",
      `  dir = "${join(dir, "influx", "meta")}"`,
      "[data]",
      `  dir = "${join(dir, "influx", "data")}"`,
      `  wal-dir = "${join(dir, "influx", "wal")}"`,
      "  query-log-enabled = false",
      "[monitor]",
      "  store-enabled = false",
      "[http]",
      `  bind-address = "127.0.0.1:${http}"`,
      "  log-enabled = false",
      "[logging]",
      '  level = "error"',
      "",
    ].join("\n"),
  );
  const s = managed(() => Bun.spawn([bin, "-config", conf], { stdout: "ignore", stderr: "ignore" }), `${url}/ping`, "influxd", url);
  await s.ready;
  return {
    ...s,
    async query(q, db) {
      const params = new URLSearchParams({ q, epoch: "ms" });
      if (db) params.set("db", db);
      const res = await fetch(`${url}/query`, { method: "POST", body: params });
      if (!res.ok) throw new Error(`query ${q}: HTTP ${res.status} ${await res.text()}`);
      return res.json();
    },
  };
}
