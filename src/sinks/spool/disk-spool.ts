/**
 * The durable spool on disk (the `SinkSpool` of a spoolable sink, e.g. InfluxDB): a FIFO of
 * payloads, one per cycle, that survives a crash and a restart.
 *
 * - **Segments.** Payloads are appended to segment files `<12-digit seq>.seg` in the spool
 *   directory, each as a record: a 16-byte header (magic "G6SP", payload length, the time it was
 *   appended as a float64 epoch ms) and the payload. A segment is closed at `segmentBytes` and
 *   the next one begun. An append is written and fdatasync'ed (once per cycle) before it
 *   resolves: only then does the cycle count as kept.
 * - **Acknowledged offset.** `ack.json` ({segment, offset}) says where the first payload not yet
 *   accepted by the target starts. It advances only after the target accepted a payload (or
 *   refused it for good), and is replaced atomically (temp file, rename), not fsynced: a crash
 *   between delivery and the ack, or a power cut that loses recent acks, re-sends payloads on
 *   the next start, and the target must treat a repeat as an upsert (InfluxDB does). A segment
 *   wholly before it is deleted.
 * - **Start.** The constructor reads the ack and scans every record after it (headers only), so
 *   `pending` is known before the sink opens and the running sink delivers them first, in order.
 *   A torn record at a segment's end (the process died mid-append) is cut off: it was never
 *   counted as kept.
 * - **Cap.** `maxBytes` bounds the bytes waiting. `drop_oldest` drops the oldest payloads to
 *   make room for a new one (counted in `dropped`; the running sink counts and reports them);
 *   `pause_collection` keeps every payload and says `full` at the cap, so the running sink takes
 *   no new cycle (its queue fills and collection waits) until deliveries make room. The cap may
 *   be passed by the one payload appended when it was reached.
 *
 * Calls come from one running sink, one at a time; file work is async (off the main thread).
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, statSync, truncateSync } from "node:fs";
import { type FileHandle, open, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SinkSpool } from "../../contracts/index.ts";

export type SpoolFullPolicy = "drop_oldest" | "pause_collection";

export type DiskSpoolOptions = {
  dir: string;
  /** Cap on the bytes waiting. */
  maxBytes: number;
  whenFull: SpoolFullPolicy;
  /** Wall clock, epoch ms (when a payload was appended). */
  now?: () => number;
  /** Size at which a segment is closed and the next begun. */
  segmentBytes?: number;
  /** Told of a torn record cut off at start. */
  warn?: (message: string) => void;
  /**
   * Bytes of appended payloads kept in memory until acknowledged, so that `oldest` hands them
   * back without reading them from disk (default 0: none). Only for a caller that hands each
   * payload over: it must not write to a payload's memory after appending it (g6 ingest's
   * records, each in memory of its own).
   */
  keepAppendedBytes?: number;
};

export type DiskSpool = SinkSpool & {
  readonly oldestAt: number | null;
  readonly full: boolean;
  readonly dropped: number;
  /** Bytes of the segment files on disk (what waits plus what was delivered from the oldest segment). */
  readonly diskBytes: number;
};

const MAGIC = 0x47365350; // "G6SP"
const HEADER = 16;
const ACK_FILE = "ack.json";
const SEGMENT = /^(\d{12})\.seg$/;

type Record_ = { seq: number; offset: number; length: number; at: number };
type Segment = { seq: number; size: number };

const segName = (seq: number) => `${String(seq).padStart(12, "0")}.seg`;

/** Reads the acknowledged position, or the start of everything when there is none. */
function readAck(dir: string): { segment: number; offset: number } {
  try {
    const doc = JSON.parse(readFileSync(join(dir, ACK_FILE), "utf8")) as { segment?: unknown; offset?: unknown };
    if (Number.isInteger(doc.segment) && Number.isInteger(doc.offset)) return { segment: doc.segment as number, offset: doc.offset as number };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`spool ${dir}: cannot read ${ACK_FILE}: ${(err as Error).message}`);
  }
  return { segment: 0, offset: 0 };
}

/** Scans the records of one segment from `from`; cuts a torn tail off. */
function scanSegment(dir: string, seg: Segment, from: number, out: Record_[], warn: (m: string) => void): void {
  const path = join(dir, segName(seg.seq));
  const fd = openSync(path, "r");
  const header = Buffer.alloc(HEADER);
  let offset = from;
  try {
    while (offset < seg.size) {
      const got = readSync(fd, header, 0, HEADER, offset);
      const length = got === HEADER ? header.readUInt32LE(4) : -1;
      if (got < HEADER || header.readUInt32LE(0) !== MAGIC || offset + HEADER + length > seg.size) break;
      out.push({ seq: seg.seq, offset, length, at: header.readDoubleLE(8) });
      offset += HEADER + length;
    }
  } finally {
    closeSync(fd);
  }
  if (offset < seg.size) {
    warn(`spool ${dir}: ${segName(seg.seq)} ends in a torn record at byte ${offset} (${seg.size - offset} bytes cut off: written when the process stopped, never counted as kept)`);
    truncateSync(path, offset);
    seg.size = offset;
  }
}

/** Opens (creating it if need be) the spool in `opts.dir`, and finds what an earlier run left. */
export function createDiskSpool(opts: DiskSpoolOptions): DiskSpool {
  const { dir, maxBytes, whenFull } = opts;
  const now = opts.now ?? (() => Date.now());
  const segmentBytes = opts.segmentBytes ?? Math.max(1 << 20, Math.min(64 << 20, Math.floor(maxBytes / 16)));
  const warn = opts.warn ?? (() => {});
  mkdirSync(dir, { recursive: true });
  const ack = readAck(dir);
  const segments: Segment[] = readdirSync(dir)
    .map((f) => SEGMENT.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ seq: Number(m[1]), size: statSync(join(dir, m[0])).size }))
    .sort((a, b) => a.seq - b.seq);
  const records: Record_[] = [];
  for (const seg of segments) {
    if (seg.seq < ack.segment) continue;
    scanSegment(dir, seg, seg.seq === ack.segment ? Math.min(ack.offset, seg.size) : 0, records, warn);
  }
  let waitingBytes = records.reduce((n, r) => n + r.length, 0);
  let dropped = 0;
  let tail: FileHandle | null = null;
  // A new segment never goes before the acknowledged one (it would be skipped on the next start).
  let tailSeq = Math.max(ack.segment, segments.length ? segments[segments.length - 1]!.seq : 0);
  let cached: { rec: Record_; payload: Uint8Array } | null = null;
  // Payloads appended and kept (keepAppendedBytes), by record, until acknowledged.
  const keepBytes = opts.keepAppendedBytes ?? 0;
  const kept = new Map<Record_, Uint8Array>();
  let keptBytes = 0;
  let closed = false;

  const diskBytes = () => segments.reduce((n, s) => n + s.size, 0);

  /**
   * Writes the acknowledged position atomically (temp file, rename) and deletes segments wholly
   * before it. Not fsynced: an ack lost to a power cut only moves the position back, and the
   * payloads after it are sent again, which the target takes as upserts; a process crash or kill
   * cannot lose it (the rename is in the kernel's cache). The fsyncs cost about 9 ms a cycle, a
   * quarter of an ingest's time, and bought nothing a re-send does not give.
   */
  async function writeAck(segment: number, offset: number): Promise<void> {
    const path = join(dir, ACK_FILE);
    const tmp = `${path}.tmp`;
    await writeFile(tmp, JSON.stringify({ segment, offset }));
    await rename(tmp, path);
    while (segments.length && segments[0]!.seq < segment) {
      const seg = segments.shift()!;
      await rm(join(dir, segName(seg.seq)), { force: true });
    }
  }

  /** Removes the oldest record and records the new acknowledged position. */
  async function consumeOldest(): Promise<void> {
    const rec = records.shift();
    if (!rec) return;
    waitingBytes -= rec.length;
    if (cached?.rec === rec) cached = null;
    const k = kept.get(rec);
    if (k) {
      kept.delete(rec);
      keptBytes -= k.length;
    }
    const next = records[0];
    // Past the last record: the ack points at the end of what was written.
    await writeAck(next ? next.seq : rec.seq, next ? next.offset : rec.offset + HEADER + rec.length);
  }

  async function tailHandle(need: number): Promise<FileHandle> {
    const last = segments[segments.length - 1];
    // A segment is full when the record would pass its size (an empty one takes any record).
    const fits = (seg: Segment) => seg.size === 0 || seg.size + need <= segmentBytes;
    if (tail && last && last.seq === tailSeq && fits(last)) return tail;
    if (tail) {
      await tail.close();
      tail = null;
    }
    if (!tail) {
      // Resume the last segment if it has room, else begin the next.
      if (!last || !fits(last)) {
        tailSeq = (last?.seq ?? tailSeq) + (last ? 1 : 0);
        segments.push({ seq: tailSeq, size: 0 });
      } else tailSeq = last.seq;
      tail = await open(join(dir, segName(tailSeq)), "a");
    }
    return tail;
  }

  return {
    get pending() {
      return records.length;
    },
    get bytes() {
      return waitingBytes;
    },
    get oldestAt() {
      return records[0]?.at ?? null;
    },
    get full() {
      return whenFull === "pause_collection" && waitingBytes >= maxBytes;
    },
    get dropped() {
      return dropped;
    },
    get diskBytes() {
      return diskBytes();
    },
    async append(payload) {
      if (closed) throw new Error(`spool ${dir} is closed`);
      if (whenFull === "drop_oldest") {
        while (records.length && waitingBytes + payload.length > maxBytes) {
          await consumeOldest();
          dropped++;
        }
      }
      const h = await tailHandle(HEADER + payload.length);
      const head = Buffer.alloc(HEADER);
      head.writeUInt32LE(MAGIC, 0);
      head.writeUInt32LE(payload.length, 4);
      const at = now();
      head.writeDoubleLE(at, 8);
      const seg = segments[segments.length - 1]!;
      const offset = seg.size;
      try {
        await h.writev([head, payload]);
        await h.datasync();
      } catch (err) {
        // Nothing half-written may stay behind the last record (the next append would follow it).
        await h.truncate(offset).catch(() => {});
        // The errno code stays (ENOSPC shows as no_space).
        throw Object.assign(new Error(`spool ${dir}: cannot append to ${segName(seg.seq)}: ${(err as Error).message}`), { code: (err as NodeJS.ErrnoException).code });
      }
      seg.size += HEADER + payload.length;
      const rec = { seq: seg.seq, offset, length: payload.length, at };
      records.push(rec);
      waitingBytes += payload.length;
      if (keptBytes + payload.length <= keepBytes) {
        kept.set(rec, payload);
        keptBytes += payload.length;
      }
    },
    async oldest() {
      const rec = records[0];
      if (!rec) return null;
      if (cached?.rec === rec) return cached.payload;
      const k = kept.get(rec);
      if (k) return k;
      const h = await open(join(dir, segName(rec.seq)), "r");
      try {
        const payload = new Uint8Array(rec.length);
        const { bytesRead } = await h.read(payload, 0, rec.length, rec.offset + HEADER);
        if (bytesRead !== rec.length) throw new Error(`spool ${dir}: ${segName(rec.seq)} is shorter than its record at byte ${rec.offset}`);
        cached = { rec, payload };
        return payload;
      } finally {
        await h.close();
      }
    },
    ack: consumeOldest,
    async close() {
      if (closed) return;
      closed = true;
      await tail?.close();
      tail = null;
    },
  };
}
