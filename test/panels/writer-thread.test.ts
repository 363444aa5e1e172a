/**
 * The panels sink's writer thread: a generation it writes is byte for byte what the generation
 * writer run inline writes; a thread that dies fails only the write it was answering, and the
 * next write lands on a fresh thread; close ends the thread (a sink never written starts none);
 * a failure in the thread comes back as the fault the sink reports, with its path and code.
 */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { FileWriteError } from "../../src/files/atomic.ts";
import { createPanelsSink, type Generation, type PanelSnapshot, writeGeneration } from "../../src/sinks/panels/sink.ts";
import { verifyPanels } from "../../src/sinks/panels/verify.ts";
import { createGenerationWriter, fromFailure, type WriterReply } from "../../src/sinks/panels/write.ts";
import { snapshotOf } from "../../src/summary/tracker.ts";
import { faultCodeOf } from "../../src/contracts/index.ts";
import { tempDir } from "../helpers/engine.ts";
import { fixedCycle, fixedTracker, NOW } from "../summary/fixture.ts";

/**
 * A panels sink in a fresh dir; `threads` collects each writer thread it starts, `ended` counts
 * the ones gone; `alter` changes a cycle's snapshot before the sink sends it.
 */
async function threadedSink(record?: PanelSnapshot[], alter?: (s: PanelSnapshot, cycle: number) => PanelSnapshot) {
  const dir = join(tempDir("g6-panels-thread-"), "panels");
  const build = snapshotOf(fixedTracker());
  const threads: Worker[] = [];
  let ended = 0;
  const sink = createPanelsSink({
    dir,
    everyNCycles: 1,
    snapshot: (result, stats) => {
      const s = build(result, stats);
      record?.push(structuredClone(s));
      return alter ? alter(s, result.cycle) : s;
    },
    now: () => NOW,
    onWriterThread: (w) => {
      threads.push(w);
      w.addEventListener("close", () => ended++);
    },
  });
  await sink.open();
  const { result, stats } = await fixedCycle();
  const write = (cycle: number) => sink.write({ ...result, cycle }, stats);
  return { dir, sink, threads, ended: () => ended, write };
}

const filesOf = (genDir: string) => readdirSync(genDir).sort();

describe("panels writer thread", () => {
  test("the generations it writes are byte for byte the inline generation writer's, links included", async () => {
    const snapshots: PanelSnapshot[] = [];
    const { dir, sink, threads, write } = await threadedSink(snapshots);
    for (let cycle = 1; cycle <= 4; cycle++) expect((await write(cycle)).faults).toBeUndefined();
    await sink.flush();
    await sink.close();
    expect(threads).toHaveLength(1);

    const inline = join(tempDir("g6-panels-inline-"), "panels");
    mkdirSync(inline);
    let previous: Generation | null = null;
    snapshots.forEach((s, seq) => {
      previous = writeGeneration(inline, `gen-${s.header.cycle}-${seq}`, s, new Date(NOW).toISOString(), previous).generation;
    });
    expect(readdirSync(dir).sort()).toEqual(["current", "gen-3-2", "gen-4-3"]);
    expect(readlinkSync(join(dir, "current"))).toBe("gen-4-3");
    for (const gen of ["gen-3-2", "gen-4-3"]) {
      expect(filesOf(join(dir, gen))).toEqual(filesOf(join(inline, gen)));
      for (const file of filesOf(join(inline, gen))) {
        expect({ gen, file, text: readFileSync(join(dir, gen, file), "utf8") }).toEqual({ gen, file, text: readFileSync(join(inline, gen, file), "utf8") });
        // A panel linked from the previous generation inline is linked there too.
        const linked = (root: string) => statSync(join(root, gen, file)).nlink > 1;
        expect({ gen, file, linked: linked(dir) }).toEqual({ gen, file, linked: linked(inline) });
      }
    }
    expect(JSON.parse(readFileSync(join(dir, "gen-4-3", "manifest.json"), "utf8")).cycle).toBe(4);
    expect(statSync(join(dir, "gen-4-3", "links.json")).ino).toBe(statSync(join(dir, "gen-3-2", "links.json")).ino);
  });

  test("a thread ended between writes: the next write lands on a fresh thread", async () => {
    const { dir, sink, threads, ended, write } = await threadedSink();
    expect((await write(1)).faults).toBeUndefined();
    threads[0]!.terminate();
    while (ended() < 1) await Bun.sleep(1);
    const report = await write(2);
    expect(report.faults).toBeUndefined();
    expect(report.rows).toBeGreaterThan(1);
    expect(threads).toHaveLength(2);
    expect(readlinkSync(join(dir, "current"))).toBe("gen-2-1");
    expect(verifyPanels(dir).outcome).toBe("ok");
    await sink.close();
  });

  test("a thread that dies with a write in flight fails that write with a fault naming the generation; the next lands", async () => {
    const { dir, sink, threads, ended, write } = await threadedSink();
    expect((await write(1)).faults).toBeUndefined();
    // Ended now, its end not yet seen by the sink: the write is sent to a thread that never answers.
    threads[0]!.terminate();
    const failed = await write(2);
    expect(failed.rows).toBe(0);
    expect(failed.faults).toEqual([{ target: dir, code: "io", reason: expect.stringMatching(/^gen-2-1: the panels writer thread exited \(code \d+\) before it answered$/) }]);
    expect(readlinkSync(join(dir, "current"))).toBe("gen-1-0");
    const next = await write(3);
    expect(next.faults).toBeUndefined();
    expect(threads).toHaveLength(2);
    expect(readlinkSync(join(dir, "current"))).toBe("gen-3-2");
    expect(verifyPanels(dir)).toMatchObject({ outcome: "ok", generation: "gen-3-2" });
    await sink.flush();
    await sink.close();
    expect(ended()).toBe(2);
  });

  test("close ends the writer thread; a sink never written starts none", async () => {
    const idle = await threadedSink();
    await idle.sink.close();
    expect(idle.threads).toHaveLength(0);

    const used = await threadedSink();
    for (let cycle = 1; cycle <= 3; cycle++) await used.write(cycle);
    await used.sink.flush();
    expect(used.ended()).toBe(0);
    await used.sink.close();
    expect(used.threads).toHaveLength(1);
    expect(used.ended()).toBe(1);
    // A write after close is still answered, by a thread that ends once it is idle.
    expect((await used.write(4)).faults).toBeUndefined();
    expect(readlinkSync(join(used.dir, "current"))).toBe("gen-4-3");
    await used.sink.flush();
    for (let i = 0; i < 500 && used.ended() < used.threads.length; i++) await Bun.sleep(5);
    expect(used.threads.length).toBeGreaterThan(1);
    expect(used.ended()).toBe(used.threads.length);
  });

  test("a snapshot the thread cannot be sent fails its write; nothing waits on the thread for it, the next write lands, close ends it", async () => {
    // Cycle 1's snapshot holds a function: structured clone refuses it.
    const t = await threadedSink(undefined, (s, cycle) => (cycle === 1 ? ({ ...s, header: { ...s.header, bad: () => 1 } } as PanelSnapshot) : s));
    const first = await t.write(1).then(
      (report) => report.faults?.length ?? 0,
      () => -1,
    );
    // Reported as the sink reports a failed write (a fault, or a rejection the running sink counts).
    expect(first).not.toBe(0);
    expect((await t.write(2)).faults).toBeUndefined();
    expect(readlinkSync(join(t.dir, "current"))).toStartWith("gen-2-");
    await t.sink.flush();
    await t.sink.close();
    expect(t.threads).toHaveLength(1);
    expect(t.ended()).toBe(1);
  });

  test("a failure in the thread is the sink's fault with the file's path", async () => {
    const { dir, sink, threads, write } = await threadedSink();
    expect((await write(1)).faults).toBeUndefined();
    rmSync(dir, { recursive: true });
    const report = await write(2);
    // The mkdir that failed ran in the writer thread.
    expect(threads).toHaveLength(1);
    expect(report.faults).toEqual([{ target: dir, code: "io", reason: `gen-2-1: ENOENT: no such file or directory, mkdir '${join(dir, "gen-2-1")}'` }]);
    await sink.close();
  });

  test("a failure's path and code survive the crossing between threads (a full disk stays no_space)", async () => {
    const full = Object.assign(new Error("ENOSPC: no space left on device, fsync"), { code: "ENOSPC" });
    const writer = createGenerationWriter(async (path) => {
      throw new FileWriteError(path, full);
    });
    const reply = structuredClone(await writer({ id: 7, kind: "sync", paths: ["/data/panels/gen-3-2/header.json", "/data/panels"] })) as WriterReply;
    expect(reply).toEqual({ id: 7, ok: false, failed: { path: "/data/panels/gen-3-2/header.json", code: "ENOSPC", reason: "ENOSPC: no space left on device, fsync" } });
    const err = fromFailure((reply as Extract<WriterReply, { ok: false }>).failed);
    expect(err).toBeInstanceOf(FileWriteError);
    expect(faultCodeOf(err)).toBe("no_space");
    expect(err.message).toBe("cannot write /data/panels/gen-3-2/header.json: ENOSPC: no space left on device, fsync");
  });
});
