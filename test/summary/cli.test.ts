/**
 * The real `g6 summary` command against the real engine: as a process reading a data dir, and
 * following an engine process that stops and starts again.
 */
import { afterEach, describe, expect, setDefaultTimeout, test } from "bun:test";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createApp } from "../../src/app.ts";
import { startServer, type G6Server } from "../../src/server/server.ts";
import { instantClock, quietLog, runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { freePort } from "../helpers/net.ts";

// Real engines and processes on a shared machine: generous bounds (each test bounds its own waits).
setDefaultTimeout(60_000);

const CLI = join(import.meta.dir, "../../src/cli.ts");
const SIM = { start: "2026-11-20T10:00", seed: 9 };
const ENV = { ...process.env, NO_COLOR: "1" };

type Proc = { proc: Bun.Subprocess<"ignore", "pipe", "pipe">; out: () => string; err: () => string };

const procs: Proc[] = [];
const servers: G6Server[] = [];
afterEach(async () => {
  for (const p of procs.splice(0)) if (p.proc.exitCode === null) p.proc.kill("SIGKILL");
  for (const s of servers.splice(0)) await s.stop();
});

/** Starts `g6 ARGS` with its stdout and stderr collected as they come. */
function spawnG6(args: string[], env: Record<string, string | undefined> = ENV): Proc {
  const proc = Bun.spawn([process.execPath, CLI, ...args], { env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  const text = { out: "", err: "" };
  const collect = async (stream: ReadableStream<Uint8Array>, key: "out" | "err") => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) text[key] += decoder.decode(chunk, { stream: true });
  };
  void collect(proc.stdout, "out");
  void collect(proc.stderr, "err");
  const p = { proc, out: () => text.out, err: () => text.err };
  procs.push(p);
  return p;
}

async function until(what: () => boolean, ms: number, show: () => string): Promise<void> {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error(`timed out; output so far:\n${show()}`);
    await Bun.sleep(50);
  }
}

async function engineDir(cycles: number): Promise<string> {
  const dir = tempDir("g6-summary-cli-");
  await runEngine(testConfig({ pool: { size: 0 }, provider: { sim: SIM }, storage: { data_dir: dir } }), cycles);
  return dir;
}

describe("g6 summary (the command)", () => {
  test("a full data directory is still shown (readers do not need space)", async () => {
    if (process.getuid?.() !== 0) {
      console.warn("skipped: needs root to mount a small tmpfs (CI runs as root)");
      return;
    }
    const dir = await engineDir(2);
    const mnt = join(tempDir("g6-summary-full-"), "full");
    mkdirSync(mnt);
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=128k", "tmpfs", mnt]).exitCode).toBe(0);
    try {
      copyFileSync(join(dir, "runtime_status.json"), join(mnt, "runtime_status.json"));
      Bun.spawnSync(["dd", "if=/dev/zero", `of=${join(mnt, "filler")}`, "bs=4k"]);
      const p = Bun.spawnSync([process.execPath, CLI, "summary", "--plain", "--once", "--data-dir", mnt, "--port", String(freePort())], { env: ENV });
      expect(p.stderr.toString()).toBe("");
      expect(p.exitCode).toBe(0);
      expect(p.stdout.toString()).toContain(`file: ${mnt}/runtime_status.json`);
    } finally {
      Bun.spawnSync(["umount", mnt]);
    }
  });

  test("without a server it shows the status file, saying so (plain, once)", async () => {
    const dir = await engineDir(2);
    const p = Bun.spawnSync([process.execPath, CLI, "summary", "--plain", "--once", "--data-dir", dir, "--port", String(freePort())], { env: ENV });
    const out = p.stdout.toString();
    expect(p.exitCode).toBe(0);
    expect(out).toMatch(new RegExp(`^\\[g6\\] 2026-11-20 10:01:00 IST OPEN \\| sim auth ok \\| #2 every 60s \\| up \\S+ \\| \\w+ \\| file: ${dir}/runtime_status.json, age \\S+, STOPPED\\n`));
    expect(out).toMatch(/NIFTY +\d+\.\d\d/);
    expect(out).toContain("this_week  2026-11-23");
    expect(out).toContain("pool 0 workers, 0 restarts");
    expect(out).not.toMatch(/NaN|undefined/);
  });

  test("--once with neither server nor status file exits 1 at once, naming both", () => {
    const dir = tempDir("g6-summary-none-");
    const port = freePort();
    const t0 = performance.now();
    const p = Bun.spawnSync([process.execPath, CLI, "summary", "--plain", "--once", "--data-dir", dir, "--port", String(port)], { env: ENV, timeout: 20_000 });
    expect(p.exitCode).toBe(1);
    expect(performance.now() - t0).toBeLessThan(10_000);
    expect(p.stderr.toString()).toBe(`g6 summary: no g6 to show: http://127.0.0.1:${port}: connection refused; ${dir}/runtime_status.json does not exist\n`);
    expect(p.stdout.toString()).toBe("");
  });

  test("a server on the port writing another data dir is not shown: the requested dir's file is", async () => {
    const theirs = tempDir("g6-summary-theirs-");
    const config = testConfig({ pool: { size: 0 }, provider: { sim: SIM }, storage: { data_dir: theirs }, server: { enabled: true, port: 0 } });
    const app = createApp(config, { log: quietLog, clock: instantClock });
    const srv = startServer(config.server, app, undefined, { dataDir: theirs });
    servers.push(srv);
    await app.run({ cycles: 4, signal: new AbortController().signal });
    const mine = await engineDir(2);
    const p = spawnG6(["summary", "--plain", "--once", "--data-dir", mine, "--port", String(srv.port)]);
    expect(await p.proc.exited).toBe(0);
    expect(p.out()).toContain(`#2 every 60s`);
    expect(p.out()).toContain(`| file: ${mine}/runtime_status.json, age `);
    expect(p.out()).toContain(`http://127.0.0.1:${srv.port}: the engine there writes ${theirs}, not ${mine}`);
    // The same port with the engine's own data dir is live (#4 is the engine's last cycle).
    const live = spawnG6(["summary", "--plain", "--once", "--data-dir", theirs, "--port", String(srv.port)]);
    expect(await live.proc.exited).toBe(0);
    expect(live.out()).toContain(`#4 every 60s`);
    expect(live.out()).toContain(`| live: http://127.0.0.1:${srv.port}, age `);
    // From the server: the change against the previous close, support/resistance and data age.
    expect(live.out()).toMatch(/\n  NIFTY +\d+\.\d\d +[+-]\d+\.\d\d \([+-]\d+\.\d\d%\)/);
    expect(live.out()).toMatch(/\n    this_week .* S \d+ R \d+  OK\n/);
    expect(live.out()).toMatch(/data age NIFTY \d+s, BANKNIFTY \d+s/);
  });

  test("follows an engine that stops (status file) and starts again (live)", async () => {
    const dir = tempDir("g6-summary-follow-");
    const config = join(dir, "g6.json");
    writeFileSync(config, JSON.stringify({ pool: { size: 0 }, provider: { sim: SIM } }));
    const port = String(freePort());
    const engineEnv = { ...ENV, G6_SERVER__ENABLED: "true", G6_SERVER__PORT: port, G6_SUMMARY__MODE: "off" };
    const engineArgs = ["--config", config, "--data-dir", join(dir, "data"), "--interval", "1"];
    let engine = spawnG6(engineArgs, engineEnv);
    const summary = spawnG6(["summary", "--plain", "--config", config, "--data-dir", join(dir, "data"), "--port", port]);
    const show = () => `engine:\n${engine.err()}\nsummary:\n${summary.out()}${summary.err()}`;
    const live = `| live: http://127.0.0.1:${port}, age `;
    const file = `| file: ${join(dir, "data")}/runtime_status.json, age `;
    await until(() => summary.out().includes(live), 30_000, show);
    engine.proc.kill("SIGTERM");
    expect(await engine.proc.exited).toBe(0);
    await until(() => summary.out().lastIndexOf(file) > summary.out().lastIndexOf(live), 15_000, show);
    expect(summary.out()).toContain(`lost http://127.0.0.1:${port}: `);
    expect(summary.proc.exitCode).toBeNull();
    const before = summary.out().length;
    engine = spawnG6(engineArgs, engineEnv);
    await until(() => summary.out().slice(before).includes(live), 30_000, show);
    expect(summary.out()).toContain(`live again: http://127.0.0.1:${port}`);
    expect(summary.err()).toBe("");
    summary.proc.kill("SIGINT");
    expect(await summary.proc.exited).toBe(0);
  }, 90_000);
});
