import { describe, expect, test } from "bun:test";
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFilePool, toCrlf } from "../../src/sinks/csv/files.ts";
import { nodeIo, type FileIo } from "../../src/sinks/csv/io.ts";
import { lastLine } from "../../src/files/lines.ts";

const HEADER = "timestamp,a,b";
const dir = () => mkdtempSync(join(tmpdir(), "g6-csv-"));
const bytes = (s: string) => new TextEncoder().encode(s);
/** 2026-11-20 10:15:00 IST: names set-aside files in these tests. */
const NOW = Date.UTC(2026, 10, 20, 4, 45, 0);

describe("csv file pool", () => {
  test("new file gets the header; rows append", async () => {
    const path = join(dir(), "X", "2026-11-20.csv");
    const pool = createFilePool({ maxOpen: 8 });
    const f = pool.touch(path, HEADER);
    expect(f.writable).toBe(true);
    expect(f.lastTs).toBe(Number.NEGATIVE_INFINITY);
    expect(pool.append(f, bytes("20-11-2026 09:15:00,1,2\n"))).toBe(24);
    await pool.close();
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n`);
  });

  test("a torn trailing line is cut off on open, and the last timestamp is read", async () => {
    const path = join(dir(), "t.csv");
    writeFileSync(path, `${HEADER}\n20-11-2026 09:15:00,1,2\n20-11-2026 09:16:00,3,4\n20-11-2026 09:17:00,5`);
    const pool = createFilePool({ maxOpen: 8 });
    const f = pool.touch(path, HEADER);
    expect(pool.repairedBytes).toBe("20-11-2026 09:17:00,5".length);
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n20-11-2026 09:16:00,3,4\n`);
    // 09:16:00 IST = 03:46:00 UTC
    expect(f.lastTs).toBe(Date.UTC(2026, 10, 20, 3, 46, 0));
    await pool.close();
  });

  test("a torn header starts the file afresh", async () => {
    const path = join(dir(), "h.csv");
    writeFileSync(path, "timest");
    const pool = createFilePool({ maxOpen: 8 });
    pool.touch(path, HEADER);
    await pool.close();
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n`);
  });

  test("a CRLF file (the Python G6's) is appended to in CRLF; its last timestamp is read", async () => {
    const path = join(dir(), "py.csv");
    const python = `${HEADER}\r\n20-11-2026 09:15:00,1,2\r\n20-11-2026 09:15:30,3,4\r\n`;
    writeFileSync(path, python);
    const pool = createFilePool({ maxOpen: 8 });
    const f = pool.touch(path, HEADER);
    expect(f.writable).toBe(true);
    expect(f.eol).toBe("\r\n");
    expect(f.lastTs).toBe(Date.UTC(2026, 10, 20, 3, 45, 30));
    expect(pool.append(f, bytes("20-11-2026 09:16:00,5,6\n20-11-2026 09:17:00,7,8\n"))).toBe(50);
    expect(pool.takeFaults()).toEqual([]);
    await pool.close();
    expect(readFileSync(path, "utf8")).toBe(`${python}20-11-2026 09:16:00,5,6\r\n20-11-2026 09:17:00,7,8\r\n`);
    expect(lastLine(path)).toBe("20-11-2026 09:17:00,7,8");
    expect(new TextDecoder().decode(toCrlf(bytes("a\nb\n")))).toBe("a\r\nb\r\n");
  });

  test("a file with another header is set aside untouched and the file starts afresh", async () => {
    const base = dir();
    const path = join(base, "2026-11-20.csv");
    // Its last line is not ended either: not even that is cut.
    writeFileSync(path, "other,header\n1,2\n3");
    const pool = createFilePool({ maxOpen: 8, now: () => NOW });
    const f = pool.touch(path, HEADER);
    expect(f.writable).toBe(true);
    pool.append(f, bytes("20-11-2026 10:15:00,1,2\n"));
    await pool.close();
    expect(readFileSync(join(base, "2026-11-20.foreign-20261120T101500.csv"), "utf8")).toBe("other,header\n1,2\n3");
    expect(pool.repairedBytes).toBe(0);
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 10:15:00,1,2\n`);
    const [fault] = pool.takeFaults();
    expect(fault).toEqual({
      target: path,
      code: "foreign_file",
      reason: 'its header is not G6\'s (found "other,header"); set aside as 2026-11-20.foreign-20261120T101500.csv, a new file was started',
    });
    expect(pool.takeFaults()).toEqual([]);
  });

  test("a file without a line end is set aside unless it is a torn G6 header", () => {
    const base = dir();
    const path = join(base, "2026-11-20.csv");
    writeFileSync(path, "a single line of something else");
    const pool = createFilePool({ maxOpen: 8, now: () => NOW });
    expect(pool.touch(path, HEADER).writable).toBe(true);
    expect(readFileSync(join(base, "2026-11-20.foreign-20261120T101500.csv"), "utf8")).toBe("a single line of something else");
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n`);
    expect(pool.takeFaults()[0]!.reason).toBe('it has no header line (found "a single line of something else"); set aside as 2026-11-20.foreign-20261120T101500.csv, a new file was started');
  });

  test("a file whose last timestamp cannot be read is set aside too; names never collide", () => {
    const base = dir();
    const path = join(base, "2026-11-20.csv");
    writeFileSync(join(base, "2026-11-20.unreadable-20261120T101500.csv"), "earlier");
    writeFileSync(path, `${HEADER}\n20-11-2026 09:15:00,1,2\nnot a time,3,4\n`);
    const pool = createFilePool({ maxOpen: 8, now: () => NOW });
    expect(pool.touch(path, HEADER).writable).toBe(true);
    expect(readFileSync(join(base, "2026-11-20.unreadable-20261120T101500-2.csv"), "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\nnot a time,3,4\n`);
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n`);
    expect(pool.takeFaults().map((f) => f.code)).toEqual(["foreign_file"]);
  });

  test("a path that cannot be opened faults that file only, is retried each cycle, and recovers", async () => {
    const base = dir();
    const bad = join(base, "bad.csv");
    mkdirSync(bad);
    const pool = createFilePool({ maxOpen: 8 });
    pool.beginCycle();
    const good = pool.touch(join(base, "good.csv"), HEADER);
    const f = pool.touch(bad, HEADER);
    expect(f.writable).toBe(false);
    expect(pool.append(f, bytes("20-11-2026 09:15:00,1,2\n"))).toBe(-1);
    expect(pool.append(good, bytes("20-11-2026 09:15:00,1,2\n"))).toBe(24);
    const faults = pool.takeFaults();
    expect(faults.map((x) => [x.target, x.code])).toEqual([[bad, "io"]]);
    expect(faults[0]!.reason).toContain("EISDIR");
    rmSync(bad, { recursive: true });
    pool.beginCycle();
    expect(pool.touch(bad, HEADER).writable).toBe(true);
    expect(pool.takeFaults()).toEqual([]);
    await pool.close();
    expect(readFileSync(bad, "utf8")).toBe(`${HEADER}\n`);
  });

  test("a file deleted or truncated mid-run is recreated with its header; its last instant is read again", async () => {
    const base = dir();
    const [a, b, c] = ["a.csv", "b.csv", "c.csv"].map((n) => join(base, n));
    const pool = createFilePool({ maxOpen: 8 });
    pool.beginCycle();
    const files = [a, b, c].map((p) => pool.touch(p!, HEADER));
    for (const f of files) pool.append(f, bytes("20-11-2026 09:15:00,1,2\n20-11-2026 09:16:00,3,4\n"));
    for (const f of files) f.lastTs = Date.UTC(2026, 10, 20, 3, 46, 0);
    unlinkSync(a!);
    truncateSync(b!, 0);
    truncateSync(c!, HEADER.length + 1 + 24 + 5);
    pool.beginCycle();
    const [fa, fb, fc] = [a, b, c].map((p) => pool.touch(p!, HEADER));
    expect([fa!.lastTs, fb!.lastTs]).toEqual([Number.NEGATIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    expect(fc!.lastTs).toBe(Date.UTC(2026, 10, 20, 3, 45, 0));
    for (const f of [fa!, fb!, fc!]) pool.append(f, bytes("20-11-2026 09:17:00,5,6\n"));
    await pool.close();
    expect(readFileSync(a!, "utf8")).toBe(`${HEADER}\n20-11-2026 09:17:00,5,6\n`);
    expect(readFileSync(b!, "utf8")).toBe(`${HEADER}\n20-11-2026 09:17:00,5,6\n`);
    expect(readFileSync(c!, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n20-11-2026 09:17:00,5,6\n`);
    expect(pool.takeFaults()).toEqual([]);
  });

  test("a file whose directory was deleted while its descriptor was evicted is recreated, header and directory entry", async () => {
    const base = dir();
    const [a, b] = [join(base, "x", "a.csv"), join(base, "y", "b.csv")];
    const synced: string[] = [];
    const io: FileIo = { ...nodeIo, syncPath: (p, done) => (synced.push(p), nodeIo.syncPath(p, done)) };
    // One descriptor: touching b evicts a's.
    const pool = createFilePool({ maxOpen: 1, io });
    pool.beginCycle();
    for (const p of [a, b]) pool.append(pool.touch(p, HEADER), bytes("20-11-2026 09:15:00,1,2\n"));
    await pool.sync();
    rmSync(join(base, "x"), { recursive: true });
    synced.length = 0;
    pool.beginCycle();
    const fa = pool.touch(a, HEADER);
    expect(fa.writable).toBe(true);
    pool.append(fa, bytes("20-11-2026 09:16:00,3,4\n"));
    await pool.sync();
    expect(pool.takeFaults()).toEqual([]);
    expect(readFileSync(a, "utf8")).toBe(`${HEADER}\n20-11-2026 09:16:00,3,4\n`);
    // The recreated file's directory entry (and the recreated directory's) are made durable.
    expect(synced).toContain(join(base, "x"));
    await pool.close();
  });

  test("a failed append (disk full mid-write) leaves the file at its last complete row", async () => {
    const path = join(dir(), "full.csv");
    let full = false;
    const io: FileIo = {
      ...nodeIo,
      // Disk full mid-write: part of the data lands, then the next write fails.
      write(fd, data) {
        if (!full) return nodeIo.write(fd, data);
        if (data.length > 10) return writeSync(fd, data, 0, 10);
        throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      },
    };
    const pool = createFilePool({ maxOpen: 8, io });
    pool.beginCycle();
    const f = pool.touch(path, HEADER);
    pool.append(f, bytes("20-11-2026 09:15:00,1,2\n"));
    full = true;
    expect(pool.append(f, bytes("20-11-2026 09:16:00,3,4\n"))).toBe(-1);
    expect(pool.takeFaults()).toEqual([{ target: path, code: "no_space", reason: "ENOSPC: no space left on device, write" }]);
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n`);
    full = false;
    pool.beginCycle();
    expect(pool.touch(path, HEADER).writable).toBe(true);
    pool.append(f, bytes("20-11-2026 09:17:00,5,6\n"));
    await pool.close();
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n20-11-2026 09:17:00,5,6\n`);
  });

  test("when cutting back a failed append fails too, the tail is cut before the next append", async () => {
    const path = join(dir(), "eio.csv");
    let failing = false;
    const io: FileIo = {
      ...nodeIo,
      write(fd, data) {
        if (!failing) return nodeIo.write(fd, data);
        writeSync(fd, data, 0, 7);
        throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
      },
      ftruncate(fd, length) {
        if (failing) throw Object.assign(new Error("EIO: i/o error, ftruncate"), { code: "EIO" });
        nodeIo.ftruncate(fd, length);
      },
    };
    const pool = createFilePool({ maxOpen: 8, io });
    pool.beginCycle();
    const f = pool.touch(path, HEADER);
    pool.append(f, bytes("20-11-2026 09:15:00,1,2\n"));
    failing = true;
    expect(pool.append(f, bytes("20-11-2026 09:16:00,3,4\n"))).toBe(-1);
    expect(pool.takeFaults().map((x) => x.code)).toEqual(["io"]);
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n20-11-2`);
    pool.beginCycle();
    // Still failing: the tail stays, the file stays unwritable, nothing is glued onto it.
    expect(pool.touch(path, HEADER).writable).toBe(false);
    expect(pool.append(f, bytes("20-11-2026 09:17:00,5,6\n"))).toBe(-1);
    failing = false;
    pool.beginCycle();
    expect(pool.touch(path, HEADER).writable).toBe(true);
    pool.append(f, bytes("20-11-2026 09:18:00,7,8\n"));
    await pool.close();
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n20-11-2026 09:18:00,7,8\n`);
  });

  test("open descriptors stay within the bound; evicted files reopen for append", async () => {
    const base = dir();
    const pool = createFilePool({ maxOpen: 4 });
    const files = Array.from({ length: 10 }, (_, i) => pool.touch(join(base, `${i}.csv`), HEADER));
    for (const round of [1, 2]) {
      for (const f of files) {
        pool.append(f, bytes(`20-11-2026 09:1${round}:00,${round},x\n`));
        expect(pool.openCount).toBeLessThanOrEqual(4);
      }
    }
    await pool.close();
    expect(readFileSync(join(base, "7.csv"), "utf8")).toBe(`${HEADER}\n20-11-2026 09:11:00,1,x\n20-11-2026 09:12:00,2,x\n`);
    expect(lastLine(join(base, "7.csv"))).toBe("20-11-2026 09:12:00,2,x");
    appendFileSync(join(base, "7.csv"), "partial");
    expect(lastLine(join(base, "7.csv"))).toBe("20-11-2026 09:12:00,2,x");
    expect(readdirSync(base)).toHaveLength(10);
  });
});
