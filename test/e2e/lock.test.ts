/**
 * One writer per data directory: a second g6 on the same directory is refused (exit 2, naming
 * the holder) and writes nothing; a lock left by a dead g6 is taken over, and said so; a start
 * refused for any reason (port in use, lock held) leaves the data directory untouched.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { acquireLock, LOCK_FILE, LockHeldError, lockHolder } from "../../src/lock.ts";
import { tempDir } from "../helpers/engine.ts";
import { spawnG6 } from "../helpers/process.ts";

function setup() {
  const dir = tempDir();
  const cfg = join(dir, "g6.json");
  writeFileSync(cfg, JSON.stringify({ provider: { sim: { start: "2026-11-20T10:00" } } }));
  return { dir, cfg, out: join(dir, "out") };
}

describe("data directory lock", () => {
  test("in one process: held, refused with the holder named, released, taken again", () => {
    const dir = join(tempDir(), "data");
    expect(lockHolder(dir)).toBeNull();
    expect(existsSync(dir)).toBe(false);
    const lock = acquireLock(dir, new Date("2026-11-20T04:30:00Z"));
    expect(lock.tookOverFrom).toBeNull();
    const recorded = JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"));
    expect(recorded).toEqual({ pid: process.pid, host: hostname(), started_at: "2026-11-20T04:30:00.000Z" });
    // flock locks belong to an open file description: a second acquire in the same process is refused too.
    expect(() => acquireLock(dir, new Date())).toThrow(LockHeldError);
    expect(lockHolder(dir)?.pid).toBe(process.pid);
    lock.release();
    expect(readFileSync(join(dir, LOCK_FILE), "utf8")).toBe("");
    expect(lockHolder(dir)).toBeNull();
    const again = acquireLock(dir, new Date());
    expect(again.tookOverFrom).toBeNull();
    again.release();
  });

  test("a second g6 on the same directory exits 2 naming the holder and writes nothing", async () => {
    const { cfg, out } = setup();
    const first = spawnG6(["--interval", "1", "--data-dir", out, "--config", cfg, "--plain"], { G6_SERVER__ENABLED: "false", G6_SUMMARY__MODE: "off" });
    await first.waitFor(/provider sim/);
    for (let i = 0; i < 100 && !existsSync(join(out, "runtime_status.json")); i++) await Bun.sleep(50);
    const activeBefore = readFileSync(join(out, "active_config.json"), "utf8");
    const mtimeBefore = statSync(join(out, "active_config.json")).mtimeMs;

    const second = spawnG6(["--interval", "1", "--data-dir", out, "--config", cfg, "--plain", "--seed", "99"], { G6_SERVER__ENABLED: "false" });
    const code = await second.exited();
    expect(code).toBe(2);
    expect(second.output()).toContain(`data directory ${out} is in use by another g6 (pid ${first.proc.pid} on ${hostname()}, started `);
    expect(second.output()).not.toMatch(/^\s+at /m);
    expect(readFileSync(join(out, "active_config.json"), "utf8")).toBe(activeBefore);
    expect(statSync(join(out, "active_config.json")).mtimeMs).toBe(mtimeBefore);

    first.proc.kill("SIGTERM");
    expect(await first.exited()).toBe(0);
    // Released on a clean stop: the next start is not told of a takeover.
    const third = spawnG6(["--cycles", "1", "--interval", "0", "--data-dir", out, "--config", cfg], { G6_SERVER__ENABLED: "false", G6_SUMMARY__MODE: "off" });
    expect(await third.exited()).toBe(0);
    expect(third.output()).not.toContain("took over");
  }, 60_000);

  test("two g6 with different data directories but one absolute storage.csv.dir: the second is refused", async () => {
    const { cfg, dir } = setup();
    const shared = join(dir, "shared-csv");
    const env = { G6_SERVER__ENABLED: "false", G6_SUMMARY__MODE: "off", G6_STORAGE__CSV__DIR: shared };
    const first = spawnG6(["--interval", "1", "--data-dir", join(dir, "a"), "--config", cfg], env);
    await first.waitFor(/provider sim/);
    const second = spawnG6(["--interval", "1", "--data-dir", join(dir, "b"), "--config", cfg], env);
    expect(await second.exited()).toBe(2);
    expect(second.output()).toContain(`storage.csv.dir ${shared} is in use by another g6 (pid ${first.proc.pid} on ${hostname()}`);
    expect(existsSync(join(dir, "b"))).toBe(false);
    first.proc.kill("SIGTERM");
    expect(await first.exited()).toBe(0);
  }, 60_000);

  test("a lock left by a killed g6 is taken over, and said so", async () => {
    const { cfg, out } = setup();
    const first = spawnG6(["--interval", "1", "--data-dir", out, "--config", cfg], { G6_SERVER__ENABLED: "false", G6_SUMMARY__MODE: "off" });
    await first.waitFor(/provider sim/);
    first.proc.kill("SIGKILL");
    await first.exited();
    const second = spawnG6(["--cycles", "1", "--interval", "0", "--data-dir", out, "--config", cfg], { G6_SERVER__ENABLED: "false", G6_SUMMARY__MODE: "off" });
    expect(await second.exited()).toBe(0);
    expect(second.output()).toContain(`took over the lock of ${out} left by a g6 that did not stop cleanly (pid ${first.proc.pid} on ${hostname()}`);
  }, 60_000);

  test("a start refused because the port is taken writes nothing", async () => {
    const { cfg, out } = setup();
    const squatter = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
    try {
      const g6 = spawnG6(["--cycles", "1", "--data-dir", out, "--config", cfg], { G6_SERVER__PORT: String(squatter.port) });
      expect(await g6.exited()).toBe(2);
      expect(g6.output()).toContain(`cannot listen on 127.0.0.1:${squatter.port}: address already in use`);
      expect(existsSync(out)).toBe(false);
    } finally {
      squatter.stop(true);
    }
  }, 30_000);

  test("a full disk at start is a clear error (exit 2) naming storage.data_dir", async () => {
    if (process.getuid?.() !== 0) {
      console.warn("skipped: needs root to mount a small tmpfs (CI runs as root)");
      return;
    }
    const { cfg, dir } = setup();
    const mnt = join(dir, "full");
    mkdirSync(mnt);
    expect(Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt]).exitCode).toBe(0);
    try {
      // Fill it: the lock file's few bytes may still fit, active_config.json (kilobytes) does not.
      const filler = Bun.spawnSync(["dd", "if=/dev/zero", `of=${join(mnt, "filler")}`, "bs=4k"]);
      expect(filler.exitCode).not.toBe(0);
      const g6 = spawnG6(["--cycles", "1", "--data-dir", mnt, "--config", cfg], { G6_SERVER__ENABLED: "false" });
      expect(await g6.exited()).toBe(2);
      expect(g6.output()).toContain(`storage.data_dir: no space left: 0 bytes free on the file system of ${mnt}`);
      expect(existsSync(join(mnt, LOCK_FILE))).toBe(false);
      expect(g6.output()).not.toMatch(/^\s+at /m);
    } finally {
      Bun.spawnSync(["umount", mnt]);
    }
  }, 30_000);
});
