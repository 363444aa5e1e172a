/** Daily JSONL journals: one line per record, append-only, and a line torn by a crash set aside on the next open. */
import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { createDailyJsonl, readJsonl, type JsonlFs } from "../../src/files/jsonl.ts";
import { tempDir } from "../helpers/engine.ts";

const read = (path: string) => fs.readFileSync(path, "utf8");

describe("daily JSONL journal", () => {
  test("records are appended one line each to the file of their day, across reopenings", () => {
    const dir = tempDir("g6-jsonl-");
    const j = createDailyJsonl({ dir, prefix: "alerts" });
    j.append("2026-11-20", [{ a: 1 }, { a: 2 }]);
    j.append("2026-11-21", [{ a: 3 }]);
    j.close();
    const again = createDailyJsonl({ dir, prefix: "alerts" });
    again.append("2026-11-20", [{ a: 4 }]);
    again.close();
    expect(fs.readdirSync(dir).sort()).toEqual(["alerts-2026-11-20.jsonl", "alerts-2026-11-21.jsonl"]);
    expect(read(join(dir, "alerts-2026-11-20.jsonl"))).toBe('{"a":1}\n{"a":2}\n{"a":4}\n');
    expect(read(join(dir, "alerts-2026-11-21.jsonl"))).toBe('{"a":3}\n');
  });

  test("a write interrupted by a crash leaves a torn last line: the next open moves it to .torn and appends after the last whole line", () => {
    const dir = tempDir("g6-jsonl-");
    const path = join(dir, "alerts-2026-11-20.jsonl");
    // The process died in the middle of its second write.
    let writes = 0;
    const dying: JsonlFs = {
      ...fs,
      writeSync: ((fd: number, buf: Uint8Array, off: number, len: number) => {
        if (++writes === 2) {
          fs.writeSync(fd, buf, off, len - 5);
          throw new Error("killed");
        }
        return fs.writeSync(fd, buf, off, len);
      }) as JsonlFs["writeSync"],
    };
    const first = createDailyJsonl({ dir, prefix: "alerts", fs: dying });
    first.append("2026-11-20", [{ code: "pcr_high", n: 1 }]);
    expect(() => first.append("2026-11-20", [{ code: "pcr_high", n: 2 }, { code: "data_age", n: 3 }])).toThrow("killed");
    const torn = read(path);
    // All but the last 5 bytes of the second write: its first line whole, the second cut.
    expect(readJsonl(torn).records).toEqual([{ code: "pcr_high", n: 1 }, { code: "pcr_high", n: 2 }]);
    expect(readJsonl(torn).tornBytes).toBeGreaterThan(0);

    const told: string[] = [];
    const next = createDailyJsonl({ dir, prefix: "alerts", onTorn: (m) => told.push(m) });
    next.append("2026-11-20", [{ code: "pcr_high", n: 4 }]);
    next.close();
    const text = read(path);
    // Every line parses; the torn bytes are kept beside, not lost, not mixed in.
    expect(text.split("\n").filter(Boolean).map((l) => JSON.parse(l))).toEqual([{ code: "pcr_high", n: 1 }, { code: "pcr_high", n: 2 }, { code: "pcr_high", n: 4 }]);
    expect(read(`${path}.torn`)).toBe(`${torn.slice(torn.lastIndexOf("\n") + 1)}\n`);
    expect(told).toEqual([`${path}: a torn last line (${readJsonl(torn).tornBytes} bytes, an interrupted write) was moved to ${path}.torn`]);
  });

  test("a file of whole lines is left as it is, and an empty one too", () => {
    const dir = tempDir("g6-jsonl-");
    const path = join(dir, "x-2026-11-20.jsonl");
    fs.writeFileSync(path, "");
    const told: string[] = [];
    const j = createDailyJsonl({ dir, prefix: "x", onTorn: (m) => told.push(m) });
    j.append("2026-11-20", [{ a: 1 }]);
    j.close();
    const k = createDailyJsonl({ dir, prefix: "x", onTorn: (m) => told.push(m) });
    k.append("2026-11-20", [{ a: 2 }]);
    k.close();
    expect(read(path)).toBe('{"a":1}\n{"a":2}\n');
    expect(told).toEqual([]);
    expect(fs.existsSync(`${path}.torn`)).toBe(false);
  });

  test("a torn line longer than the read chunk is found whole", () => {
    const dir = tempDir("g6-jsonl-");
    const path = join(dir, "x-2026-11-20.jsonl");
    const long = `{"message":"${"x".repeat(10_000)}`;
    fs.writeFileSync(path, `{"a":1}\n${long}`);
    const j = createDailyJsonl({ dir, prefix: "x" });
    j.append("2026-11-20", [{ a: 2 }]);
    j.close();
    expect(read(path)).toBe('{"a":1}\n{"a":2}\n');
    expect(read(`${path}.torn`)).toBe(`${long}\n`);
  });
});
