import { describe, expect, test } from "bun:test";
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createFilePool, lastLine } from "../../src/sinks/csv/files.ts";
import { SinkError } from "../../src/sinks/types.ts";

const HEADER = "timestamp,a,b";
const dir = () => mkdtempSync(join(tmpdir(), "g6-csv-"));

describe("csv file pool", () => {
  test("new file gets the header; rows append", () => {
    const path = join(dir(), "X", "2026-11-20.csv");
    const pool = createFilePool("csv", 8);
    const f = pool.touch(path, HEADER);
    expect(f.lastTs).toBe(Number.NEGATIVE_INFINITY);
    pool.append(f, "20-11-2026 09:15:00,1,2\n");
    pool.closeAll();
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n`);
  });

  test("a torn trailing line is cut off on open, and the last timestamp is read", () => {
    const path = join(dir(), "t.csv");
    writeFileSync(path, `${HEADER}\n20-11-2026 09:15:00,1,2\n20-11-2026 09:16:00,3,4\n20-11-2026 09:17:00,5`);
    const pool = createFilePool("csv", 8);
    const f = pool.touch(path, HEADER);
    expect(pool.repairedBytes).toBe("20-11-2026 09:17:00,5".length);
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n20-11-2026 09:15:00,1,2\n20-11-2026 09:16:00,3,4\n`);
    expect(f.firstRow).toEqual(["20-11-2026 09:15:00", "1", "2"]);
    // 09:16:00 IST = 03:46:00 UTC
    expect(f.lastTs).toBe(Date.UTC(2026, 10, 20, 3, 46, 0));
    pool.closeAll();
  });

  test("a torn header starts the file afresh", () => {
    const path = join(dir(), "h.csv");
    writeFileSync(path, "timest");
    const pool = createFilePool("csv", 8);
    pool.touch(path, HEADER);
    pool.closeAll();
    expect(readFileSync(path, "utf8")).toBe(`${HEADER}\n`);
  });

  test("a file with another header is never appended to", () => {
    const path = join(dir(), "o.csv");
    writeFileSync(path, "other,header\n1,2\n");
    const pool = createFilePool("csv", 8);
    expect(() => pool.touch(path, HEADER)).toThrow(SinkError);
    expect(readFileSync(path, "utf8")).toBe("other,header\n1,2\n");
  });

  test("open descriptors stay within the bound; evicted files reopen for append", () => {
    const base = dir();
    const pool = createFilePool("csv", 4);
    const files = Array.from({ length: 10 }, (_, i) => pool.touch(join(base, `${i}.csv`), HEADER));
    for (const round of [1, 2]) {
      for (const f of files) {
        pool.append(f, `20-11-2026 09:1${round}:00,${round},x\n`);
        expect(pool.openCount).toBeLessThanOrEqual(4);
      }
    }
    pool.closeAll();
    expect(readFileSync(join(base, "7.csv"), "utf8")).toBe(`${HEADER}\n20-11-2026 09:11:00,1,x\n20-11-2026 09:12:00,2,x\n`);
    expect(lastLine(join(base, "7.csv"))).toBe("20-11-2026 09:12:00,2,x");
    appendFileSync(join(base, "7.csv"), "partial");
    expect(lastLine(join(base, "7.csv"))).toBe("20-11-2026 09:12:00,2,x");
  });
});
