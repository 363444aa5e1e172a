/** Atomic file replacement: fsync of the temp file before the rename and of the directory after it, unique temp names, cleanup on failure. */
import { describe, expect, test } from "bun:test";
import * as fs from "node:fs";
import { join } from "node:path";
import { FileWriteError, writeFileAtomic, type ReplaceFs } from "../../src/files/atomic.ts";
import { tempDir } from "../helpers/engine.ts";
import { faultCodeOf } from "../../src/contracts/index.ts";

/** The real file system, recording each call as a line (descriptors named by the path opened). */
function recordingFs(fail?: { op: keyof ReplaceFs; code: string }): { fs: ReplaceFs; calls: string[] } {
  const calls: string[] = [];
  const fdPaths = new Map<number, string>();
  const check = (op: keyof ReplaceFs) => {
    if (fail?.op === op) throw Object.assign(new Error(`${fail.code}: simulated`), { code: fail.code });
  };
  const recorded: ReplaceFs = {
    mkdirSync: ((path: fs.PathLike, opts?: fs.MakeDirectoryOptions) => fs.mkdirSync(path, opts)) as ReplaceFs["mkdirSync"],
    openSync: ((path: fs.PathLike, flags: fs.OpenMode, mode?: fs.Mode) => {
      check("openSync");
      const fd = fs.openSync(path, flags, mode);
      fdPaths.set(fd, String(path));
      calls.push(`open ${String(path)}`);
      return fd;
    }) as ReplaceFs["openSync"],
    writeSync: ((fd: number, buffer: Buffer, offset: number, length: number) => {
      check("writeSync");
      calls.push(`write ${fdPaths.get(fd)}`);
      return fs.writeSync(fd, buffer, offset, length);
    }) as ReplaceFs["writeSync"],
    fsyncSync: (fd) => {
      check("fsyncSync");
      calls.push(`fsync ${fdPaths.get(fd)}`);
      fs.fsyncSync(fd);
    },
    closeSync: (fd) => {
      calls.push(`close ${fdPaths.get(fd)}`);
      fs.closeSync(fd);
    },
    renameSync: (from, to) => {
      check("renameSync");
      calls.push(`rename ${String(from)} -> ${String(to)}`);
      fs.renameSync(from, to);
    },
    rmSync: (path, opts) => {
      calls.push(`rm ${String(path)}`);
      fs.rmSync(path, opts);
    },
  };
  return { fs: recorded, calls };
}

describe("writeFileAtomic", () => {
  test("fsyncs the temp file before the rename and the directory after it", () => {
    const dir = tempDir("g6-atomic-");
    const path = join(dir, "status.json");
    const { fs: rec, calls } = recordingFs();
    expect(writeFileAtomic(path, "{}\n", rec)).toBe(3);
    const tmp = calls[0]!.slice("open ".length);
    expect(tmp).toMatch(new RegExp(`^${path.replaceAll(".", "\\.")}\\.tmp-${process.pid}-\\d+$`));
    expect(calls).toEqual([`open ${tmp}`, `write ${tmp}`, `fsync ${tmp}`, `close ${tmp}`, `rename ${tmp} -> ${path}`, `open ${dir}`, `fsync ${dir}`, `close ${dir}`]);
    expect(fs.readFileSync(path, "utf8")).toBe("{}\n");
    expect(fs.readdirSync(dir)).toEqual(["status.json"]);
  });

  test("each call has its own temp name (pid and a counter)", () => {
    const dir = tempDir("g6-atomic-");
    const path = join(dir, "a.json");
    const { fs: rec, calls } = recordingFs();
    writeFileAtomic(path, "1", rec);
    writeFileAtomic(path, "2", rec);
    const temps = calls.filter((c) => c.startsWith(`open ${path}.tmp-`));
    expect(temps).toHaveLength(2);
    expect(temps[0]).not.toBe(temps[1]);
    expect(fs.readFileSync(path, "utf8")).toBe("2");
  });

  test("a failed write removes the temp file, keeps the old file and throws naming the path and errno", () => {
    const dir = tempDir("g6-atomic-");
    const path = join(dir, "panel.json");
    fs.writeFileSync(path, "old");
    const { fs: rec, calls } = recordingFs({ op: "writeSync", code: "ENOSPC" });
    let thrown: unknown;
    try {
      writeFileAtomic(path, "new", rec);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FileWriteError);
    expect((thrown as Error).message).toBe(`cannot write ${path}: ENOSPC: simulated`);
    expect(faultCodeOf(thrown)).toBe("no_space");
    expect(calls.at(-1)).toMatch(/^rm .*\.tmp-/);
    expect(fs.readdirSync(dir)).toEqual(["panel.json"]);
    expect(fs.readFileSync(path, "utf8")).toBe("old");
  });

  test("a failed rename (the target is a directory) leaves no temp file behind", () => {
    const dir = tempDir("g6-atomic-");
    const path = join(dir, "status.json");
    fs.mkdirSync(path);
    expect(() => writeFileAtomic(path, "{}")).toThrow(`cannot write ${path}: `);
    expect(fs.readdirSync(dir)).toEqual(["status.json"]);
  });
});
