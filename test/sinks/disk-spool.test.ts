/**
 * The durable spool on disk: FIFO across segments, the acknowledged offset surviving a restart,
 * a torn record cut off, the cap under drop_oldest and pause_collection, and pause_collection
 * actually stopping collection when driven by the running sink.
 */
import { expect, test } from "bun:test";
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola } from "consola";
import { type CycleResult, emptySinkTotals, type EngineStats, SinkError, type SpoolableSink } from "../../src/contracts/index.ts";
import { createRunningSink } from "../../src/engine/running-sink.ts";
import { createDiskSpool } from "../../src/sinks/spool/disk-spool.ts";
import { tempDir } from "../helpers/engine.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | null) => (b ? new TextDecoder().decode(b) : null);

/** Drains the spool: every payload oldest first, acknowledged. */
async function drain(spool: ReturnType<typeof createDiskSpool>): Promise<string[]> {
  const out: string[] = [];
  for (let p = await spool.oldest(); p; p = await spool.oldest()) {
    out.push(dec(p)!);
    await spool.ack();
  }
  return out;
}

test("payloads come out in order across segments; acknowledged ones are gone after a restart, the rest delivered first", async () => {
  const dir = tempDir();
  let t = 1000;
  const spool = createDiskSpool({ dir, maxBytes: 1 << 20, whenFull: "drop_oldest", segmentBytes: 64, now: () => t++ });
  for (let i = 1; i <= 6; i++) await spool.append(enc(`cycle ${i} ${"x".repeat(20)}`));
  expect(spool.pending).toBe(6);
  expect(spool.bytes).toBe(6 * 28);
  expect(spool.oldestAt).toBe(1000);
  // 44-byte records in 64-byte segments: one per segment.
  expect(readdirSync(dir).filter((f) => f.endsWith(".seg"))).toHaveLength(6);
  expect(dec(await spool.oldest())).toStartWith("cycle 1 ");
  await spool.ack();
  await spool.ack();
  expect(spool.oldestAt).toBe(1002);
  await spool.close();
  // Segments wholly before the acknowledged offset are deleted.
  expect(readdirSync(dir).filter((f) => f.endsWith(".seg"))).toHaveLength(4);
  expect(JSON.parse(readFileSync(join(dir, "ack.json"), "utf8"))).toEqual({ segment: 2, offset: 0 });

  const again = createDiskSpool({ dir, maxBytes: 1 << 20, whenFull: "drop_oldest", segmentBytes: 64 });
  expect(again.pending).toBe(4);
  await again.append(enc("cycle 7"));
  expect((await drain(again)).map((s) => s.split(" ").slice(0, 2).join(" "))).toEqual(["cycle 3", "cycle 4", "cycle 5", "cycle 6", "cycle 7"]);
  await again.close();
  const third = createDiskSpool({ dir, maxBytes: 1 << 20, whenFull: "drop_oldest", segmentBytes: 64 });
  expect(third.pending).toBe(0);
  await third.append(enc("cycle 8"));
  expect(await drain(third)).toEqual(["cycle 8"]);
  await third.close();
});

test("keepAppendedBytes: payloads appended are handed back from memory up to the cap (the disk copy is not read), the rest read from disk; an ack frees their room", async () => {
  const dir = tempDir();
  const spool = createDiskSpool({ dir, maxBytes: 1 << 20, whenFull: "drop_oldest", keepAppendedBytes: 20 });
  const a = enc("record a 0123456789");
  const b = enc("record b 0123456789");
  await spool.append(a);
  await spool.append(b);
  // The bytes on disk are overwritten with other bytes of the same length: what comes from disk shows it.
  const seg = readdirSync(dir).find((f) => f.endsWith(".seg"))!;
  const onDisk = readFileSync(join(dir, seg));
  writeFileSync(join(dir, seg), Buffer.from(onDisk.toString("latin1").replaceAll("record", "RECORD"), "latin1"));
  // a was kept (19 bytes within 20): the same memory; b was past the cap: read from disk.
  expect(await spool.oldest()).toBe(a);
  await spool.ack();
  expect(dec(await spool.oldest())).toBe("RECORD b 0123456789");
  await spool.ack();
  // The ack freed a's room: the next payload is kept again.
  const c = enc("record c 0123456789");
  await spool.append(c);
  expect(await spool.oldest()).toBe(c);
  await spool.ack();
  expect(spool.pending).toBe(0);
  await spool.close();
  // Without the option every payload is read back from disk, as before.
  const plain = createDiskSpool({ dir: tempDir(), maxBytes: 1 << 20, whenFull: "drop_oldest" });
  await plain.append(a);
  const back = await plain.oldest();
  expect(back).not.toBe(a);
  expect(dec(back)).toBe(dec(a));
  await plain.close();
});

test("a record torn by a crash mid-append is cut off at start, with a warning; what was whole stays", async () => {
  const dir = tempDir();
  const spool = createDiskSpool({ dir, maxBytes: 1 << 20, whenFull: "drop_oldest" });
  await spool.append(enc("whole one"));
  await spool.append(enc("whole two"));
  await spool.close();
  const seg = join(dir, readdirSync(dir).find((f) => f.endsWith(".seg"))!);
  const size = statSync(seg).size;
  // A header promising 100 bytes, followed by 3: the process died mid-write.
  const torn = Buffer.alloc(19);
  torn.writeUInt32LE(0x47365350, 0);
  torn.writeUInt32LE(100, 4);
  appendFileSync(seg, torn);
  const warnings: string[] = [];
  const again = createDiskSpool({ dir, maxBytes: 1 << 20, whenFull: "drop_oldest", warn: (m) => warnings.push(m) });
  expect(again.pending).toBe(2);
  expect(statSync(seg).size).toBe(size);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain(`torn record at byte ${size} (19 bytes cut off`);
  await again.append(enc("three"));
  expect(await drain(again)).toEqual(["whole one", "whole two", "three"]);
  await again.close();
});

test("drop_oldest: at the cap the oldest payloads are dropped and counted; pause_collection keeps all and says full", async () => {
  const dropping = createDiskSpool({ dir: tempDir(), maxBytes: 25, whenFull: "drop_oldest" });
  for (const p of ["aaaaaaaaaa", "bbbbbbbbbb", "cccccccccc"]) await dropping.append(enc(p));
  expect(dropping.dropped).toBe(1);
  expect(dropping.bytes).toBe(20);
  expect(await drain(dropping)).toEqual(["bbbbbbbbbb", "cccccccccc"]);
  await dropping.close();
  const pausing = createDiskSpool({ dir: tempDir(), maxBytes: 25, whenFull: "pause_collection" });
  for (const p of ["aaaaaaaaaa", "bbbbbbbbbb"]) await pausing.append(enc(p));
  expect(pausing.full).toBe(false);
  await pausing.append(enc("cccccccccc"));
  expect(pausing.full).toBe(true);
  expect(pausing.dropped).toBe(0);
  await pausing.ack();
  expect(pausing.full).toBe(false);
  await pausing.close();
});

/** A spoolable sink whose target is down until `up` is set. */
function downTarget() {
  const state = { up: false, delivered: [] as string[] };
  const sink: SpoolableSink = {
    name: "influx",
    queue: { capacity: 2, whenFull: "block", flushIntervalMs: 0 },
    open: async () => {},
    write: async () => {
      throw new Error("written through deliver");
    },
    encode: (r) => enc(`cycle ${r.cycle} ${"x".repeat(10)}`),
    deliver: async (p) => {
      if (!state.up) throw new SinkError("influx", "no answer (connection refused)", { code: "unavailable", retriable: true });
      state.delivered.push(dec(p)!.split(" ").slice(0, 2).join(" "));
      return { rows: 1, bytes: p.length, duplicatesSkipped: 0 };
    },
    flush: async () => {},
    close: async () => {},
  };
  return { sink, state };
}

function running(sink: SpoolableSink, spool: ReturnType<typeof createDiskSpool>) {
  const totals = emptySinkTotals();
  const errors: string[] = [];
  const r = createRunningSink({
    sink,
    policy: { capacity: 2, whenFull: "block", flushIntervalMs: 0, retries: 0, retryBaseMs: 1, retryMaxMs: 5, stallMs: 0 },
    totals,
    spool,
    env: { now: () => performance.now(), sleep: (ms) => Bun.sleep(ms), random: () => 0.5 },
    wallNow: () => Date.now(),
    log: createConsola({ level: -999 }),
    onError: (m) => errors.push(m),
  });
  return { r, totals, errors };
}

const cycle = (n: number) => ({ cycle: n }) as CycleResult;
const STATS = {} as EngineStats;

test("pause_collection: a full spool takes no new cycle, the queue fills and the hand-over blocks (collection waits, shown failing); once the target is back, nothing is lost", async () => {
  const { sink, state } = downTarget();
  // Each payload is 18 bytes: two fill a 36-byte cap.
  const spool = createDiskSpool({ dir: tempDir(), maxBytes: 36, whenFull: "pause_collection" });
  const { r, totals } = running(sink, spool);
  await r.open();
  await r.enqueue(cycle(1), STATS);
  await r.enqueue(cycle(2), STATS);
  await Bun.sleep(30);
  expect(spool.pending).toBe(2);
  expect(spool.full).toBe(true);
  // Two more wait in the queue (its capacity); the fifth hand-over blocks: the engine would wait here.
  await r.enqueue(cycle(3), STATS);
  await r.enqueue(cycle(4), STATS);
  let handed = false;
  const fifth = r.enqueue(cycle(5), STATS).then(() => (handed = true));
  await Bun.sleep(50);
  expect(handed).toBe(false);
  expect(totals.blocked).toBe(1);
  expect(totals.failing.map((f) => [f.code, f.reason])).toEqual([["no_space", "spool full (36 bytes): collection paused until the target accepts"]]);
  state.up = true;
  await fifth;
  await r.close(5000);
  expect(state.delivered).toEqual(["cycle 1", "cycle 2", "cycle 3", "cycle 4", "cycle 5"]);
  expect(totals).toMatchObject({ dropped: 0, spooled: 0, failing: [], degraded: "" });
});

test("drop_oldest under the running sink: the dropped cycles are counted as dropped, with an error line; delivery resumes in order", async () => {
  const { sink, state } = downTarget();
  const spool = createDiskSpool({ dir: tempDir(), maxBytes: 36, whenFull: "drop_oldest" });
  const { r, totals, errors } = running(sink, spool);
  await r.open();
  for (const n of [1, 2, 3, 4]) await r.enqueue(cycle(n), STATS);
  await Bun.sleep(50);
  expect(totals.dropped).toBe(2);
  expect(totals.degraded).toStartWith("no answer (connection refused); spooling");
  expect(totals.failing).toEqual([]);
  expect(errors.join("\n")).toContain("spool full: dropped the");
  state.up = true;
  // Cycle 5 is appended before the next delivery round: it drops cycle 3 first.
  await r.enqueue(cycle(5), STATS);
  await r.close(5000);
  expect(state.delivered).toEqual(["cycle 4", "cycle 5"]);
  expect(totals).toMatchObject({ written: 5, dropped: 3, spooled: 0, degraded: "" });
});

test("a sink that cannot spool at all is failing, not degraded: the cycle is counted dropped with the disk's error code", async () => {
  const { sink } = downTarget();
  const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
  const spool = {
    pending: 0,
    bytes: 0,
    append: async () => Promise.reject(full),
    oldest: async () => null,
    ack: async () => {},
    close: async () => {},
  };
  const { r, totals, errors } = running(sink, spool as unknown as ReturnType<typeof createDiskSpool>);
  await r.open();
  await r.enqueue(cycle(1), STATS);
  await r.close(1000);
  expect(totals).toMatchObject({ written: 0, dropped: 1, degraded: "" });
  expect(totals.failing.map((f) => [f.code, f.reason])).toEqual([["no_space", "could not spool a cycle: ENOSPC: no space left on device, write"]]);
  expect(errors).toEqual(["sink influx: nothing written (could not spool a cycle: ENOSPC: no space left on device, write)"]);
});
