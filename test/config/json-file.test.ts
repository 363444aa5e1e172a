/** The config/secrets file reader: only regular files, bounded, one JSON object, safe keys. */
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { keyProblems, MAX_CONFIG_FILE_BYTES, readJsonObject } from "../../src/config/json-file.ts";
import { problemsOf } from "../helpers/config.ts";
import { tempDir } from "../helpers/engine.ts";

function fileWith(content: string | Uint8Array): string {
  const path = join(tempDir("g6-json-"), "g6.json");
  writeFileSync(path, content);
  return path;
}

describe("readJsonObject", () => {
  test("reads an object; a UTF-8 byte-order mark is dropped", () => {
    expect(readJsonObject(fileWith('\uFEFF{"interval": 5, "indices": {"NIFTY": {"enabled": true}}}'), "config file")).toEqual({ interval: 5, indices: { NIFTY: { enabled: true } } });
  });

  test("a FIFO is refused at once instead of blocking the open", () => {
    const path = join(tempDir("g6-json-"), "fifo");
    expect(Bun.spawnSync(["mkfifo", path]).exitCode).toBe(0);
    const started = performance.now();
    expect(problemsOf(() => readJsonObject(path, "config file"))).toEqual([`config file ${path}: is a FIFO; expected a regular file`]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  test("devices and directories are refused without reading them", () => {
    expect(problemsOf(() => readJsonObject("/dev/zero", "secrets file"))).toEqual(["secrets file /dev/zero: is a character device; expected a regular file"]);
    const dir = tempDir("g6-json-");
    expect(problemsOf(() => readJsonObject(dir, "config file"))).toEqual([`config file ${dir}: is a directory; expected a regular file`]);
  });

  test("the size cap is 1 MiB: at the cap is read, one byte more is refused", () => {
    const body = (size: number) => `{"x": "${"a".repeat(size - 9)}"}`;
    expect(body(MAX_CONFIG_FILE_BYTES).length).toBe(MAX_CONFIG_FILE_BYTES);
    expect(Object.keys(readJsonObject(fileWith(body(MAX_CONFIG_FILE_BYTES)), "config file"))).toEqual(["x"]);
    const big = fileWith(body(MAX_CONFIG_FILE_BYTES + 1));
    expect(problemsOf(() => readJsonObject(big, "config file"))).toEqual([`config file ${big}: is 1048577 bytes; the limit is 1048576 bytes (1 MiB)`]);
  });

  test("empty, non-UTF-8, non-object and malformed files name the file", () => {
    const empty = fileWith("\n");
    expect(problemsOf(() => readJsonObject(empty, "config file"))).toEqual([`config file ${empty}: is empty; expected a JSON object`]);
    const latin1 = fileWith(new Uint8Array([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d]));
    expect(problemsOf(() => readJsonObject(latin1, "config file"))).toEqual([`config file ${latin1}: not UTF-8 text`]);
    const array = fileWith("[]");
    expect(problemsOf(() => readJsonObject(array, "config file"))).toEqual([`config file ${array}: the top level must be a JSON object`]);
    const garbage = fileWith('{"interval": 5}}');
    expect(problemsOf(() => readJsonObject(garbage, "config file"))[0]).toStartWith(`config file ${garbage}: malformed JSON (`);
  });

  test("prototype keys are refused before anything could merge them; no object is polluted", () => {
    const path = fileWith('{"__proto__": {"polluted": 1}, "storage": {"constructor": {"prototype": {"polluted": 2}}}}');
    expect(problemsOf(() => readJsonObject(path, "config file"))).toEqual([
      `__proto__: the key "__proto__" is not allowed (merged by key path, it would reach object prototypes) (in config file ${path})`,
      `storage.constructor: the key "constructor" is not allowed (merged by key path, it would reach object prototypes) (in config file ${path})`,
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("keyProblems", () => {
  test("dotted and empty keys, prototype keys inside arrays, excessive nesting", () => {
    expect(keyProblems({ storage: { "csv.dir": "x" } })).toEqual(['storage.csv.dir: a key must not contain "."; nest it instead: {"csv": {"dir": …}}']);
    expect(keyProblems({ market: { "": 1 } })).toEqual(['market: an empty key "" is not allowed']);
    expect(keyProblems(JSON.parse('{"market": {"holidays": ["2026-01-26", {"prototype": 1}]}}'))).toEqual([
      'market.holidays.1.prototype: the key "prototype" is not allowed (merged by key path, it would reach object prototypes)',
    ]);
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = { a: deep };
    expect(keyProblems(deep)).toHaveLength(1);
    expect(keyProblems(deep)[0]).toEndWith(": nested deeper than 32 levels");
    expect(keyProblems({ interval: 5, indices: { NIFTY: { expiries: ["this_week"] } } })).toEqual([]);
  });
});
