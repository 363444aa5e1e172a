/** The status sink: state/written_at/stopped_at, and fsyncs in the background (off the cycle), awaited at flush. */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileWriteError } from "../../src/files/atomic.ts";
import { createStatusSink } from "../../src/sinks/status/sink.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { heldSync } from "../helpers/sync.ts";
import { fixedCycle } from "../summary/fixture.ts";

const T0 = Date.UTC(2026, 10, 20, 4, 31, 0);
const read = (file: string) => JSON.parse(readFileSync(file, "utf8"));

describe("status sink", () => {
  test("running documents carry written_at; close rewrites the last one as stopped", async () => {
    const { result, stats } = await fixedCycle();
    const dir = tempDir("g6-status-");
    const file = join(dir, "runtime_status.json");
    let now = T0;
    const sink = createStatusSink({ file, now: () => now, sync: async () => {} });
    await sink.open();
    await sink.write(result, stats);
    const running = read(file);
    expect(Object.keys(running).slice(0, 4)).toEqual(["schema_version", "state", "written_at", "stopped_at"]);
    expect(running).toMatchObject({ state: "running", written_at: "2026-11-20T04:31:00.000Z", stopped_at: null, cycle: 3 });
    now += 5_000;
    await sink.write({ ...result, cycle: 4 }, stats);
    expect(read(file)).toMatchObject({ state: "running", written_at: "2026-11-20T04:31:05.000Z", cycle: 4 });
    now += 2_500;
    await sink.flush();
    await sink.close();
    const stopped = read(file);
    expect(stopped).toMatchObject({ state: "stopped", written_at: "2026-11-20T04:31:07.500Z", stopped_at: "2026-11-20T04:31:07.500Z", cycle: 4, status: running.status });
    expect(readdirSync(dir)).toEqual(["runtime_status.json"]);
  });

  test("a cycle's write does not wait for fsync; flush waits for the file and its directory", async () => {
    const { result, stats } = await fixedCycle();
    const dir = tempDir("g6-status-");
    const file = join(dir, "runtime_status.json");
    const disk = heldSync();
    const sink = createStatusSink({ file, now: () => T0, sync: disk.sync });
    await sink.open();
    const report = await sink.write(result, stats);
    expect(report.rows).toBe(1);
    expect(read(file).cycle).toBe(3);
    expect(disk.synced).toEqual([]);
    let flushed = false;
    const flushing = sink.flush().then(() => (flushed = true));
    await Bun.sleep(20);
    expect(flushed).toBe(false);
    disk.release();
    await flushing;
    expect(disk.synced).toEqual([file, dir]);
  });

  test("writes during a slow fsync coalesce into one more run for the newest file", async () => {
    const { result, stats } = await fixedCycle();
    const dir = tempDir("g6-status-");
    const file = join(dir, "runtime_status.json");
    const disk = heldSync();
    const sink = createStatusSink({ file, now: () => T0, sync: disk.sync });
    for (let cycle = 1; cycle <= 5; cycle++) await sink.write({ ...result, cycle }, stats);
    expect(read(file).cycle).toBe(5);
    disk.release();
    await sink.flush();
    expect(disk.synced).toEqual([file, dir, file, dir]);
  });

  test("a failed background fsync is the next cycle's fault, and flush throws it naming the file", async () => {
    const { result, stats } = await fixedCycle();
    const dir = tempDir("g6-status-");
    const file = join(dir, "runtime_status.json");
    const eio = new FileWriteError(file, Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" }));
    let failing = true;
    const sink = createStatusSink({ file, now: () => T0, sync: async () => { if (failing) throw eio; } });
    expect((await sink.write(result, stats)).faults).toBeUndefined();
    await Bun.sleep(5);
    expect((await sink.write(result, stats)).faults).toEqual([{ target: file, code: "io", reason: "EIO: i/o error, fsync" }]);
    await Bun.sleep(5);
    await expect(sink.flush()).rejects.toThrow(`status: cannot write ${file}: EIO: i/o error, fsync`);
    failing = false;
    await sink.write(result, stats);
    await sink.flush();
  });

  test("a file that cannot be replaced is a fault naming it, not a thrown cycle", async () => {
    const { result, stats } = await fixedCycle();
    const dir = tempDir("g6-status-");
    const file = join(dir, "runtime_status.json");
    mkdirSync(file);
    const sink = createStatusSink({ file, now: () => T0, sync: async () => {} });
    const report = await sink.write(result, stats);
    expect(report.rows).toBe(0);
    expect(report.faults).toEqual([{ target: file, code: "io", reason: expect.stringMatching(/^EISDIR: /) }]);
    expect(readdirSync(dir)).toEqual(["runtime_status.json"]);
  });

  test("open removes temp files a crash left beside the status file", async () => {
    const dir = tempDir("g6-status-");
    const file = join(dir, "runtime_status.json");
    writeFileSync(`${file}.tmp-4242-7`, "{ torn");
    writeFileSync(join(dir, "other.json"), "{}");
    await createStatusSink({ file, now: () => T0 }).open();
    expect(readdirSync(dir).sort()).toEqual(["other.json"]);
  });

  test("the engine leaves the file stopped at shutdown, with the wall clock it was given", async () => {
    const dir = tempDir("g6-status-");
    await runEngine(testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: dir, csv: { enabled: false } } }), 2);
    // runEngine's clock stands still at 2026-11-20T04:00:00Z.
    expect(read(join(dir, "runtime_status.json"))).toMatchObject({ state: "stopped", written_at: "2026-11-20T04:00:00.000Z", stopped_at: "2026-11-20T04:00:00.000Z", cycles_run: 2 });
  });
});
