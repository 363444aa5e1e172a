/** Panel files: written by the engine as generations behind `current`, checked by `g6 panels verify` (good, tampered, missing, unreadable). */
import { describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson, canonicalSha256 } from "../../src/sinks/panels/canonical.ts";
import { createPanelsSink, PANEL_NAMES } from "../../src/sinks/panels/sink.ts";
import { syncPath } from "../../src/files/atomic.ts";
import { verifyPanels } from "../../src/sinks/panels/verify.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { heldSync } from "../helpers/sync.ts";
import { fixedCycle, fixedTracker, NOW } from "../summary/fixture.ts";
import { snapshotOf } from "../../src/summary/tracker.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

function verify(dir: string, json = true) {
  const p = Bun.spawnSync([process.execPath, CLI, "panels", "verify", dir, ...(json ? ["--json"] : [])], { env: { ...process.env, NO_COLOR: "1" } });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

/** A fresh panel directory from `cycles` cycles of the engine (in `root`, which may hold leftovers). */
async function panelDir(cycles = 2, every = 1, root = tempDir("g6-panels-")): Promise<string> {
  const config = testConfig({
    pool: { size: 0 },
    provider: { sim: { start: "2026-11-20T10:00", seed: 5 } },
    storage: { data_dir: root, csv: { enabled: false }, panels: { every_n_cycles: every } },
  });
  await runEngine(config, cycles);
  return join(root, "panels");
}

/** The current generation's directory under a panels dir. */
const gen = (dir: string) => join(dir, readlinkSync(join(dir, "current")));
/** A file of the current generation, parsed. */
const read = (dir: string, file: string) => JSON.parse(readFileSync(join(gen(dir), file), "utf8"));

describe("canonical JSON", () => {
  test("sorted keys at every level, no whitespace, non-finite numbers as null", () => {
    expect(canonicalJson({ b: 1, a: [{ y: Number.NaN, x: "s" }, -0, 1.5], c: null })).toBe('{"a":[{"x":"s","y":null},0,1.5],"b":1,"c":null}');
    expect(canonicalSha256({ a: 1, b: 2 })).toBe(canonicalSha256({ b: 2, a: 1 }));
    expect(canonicalSha256({ a: 1 })).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("panel files", () => {
  test("one envelope per panel plus a manifest; each hash is the data's canonical SHA-256", async () => {
    const dir = await panelDir();
    const manifest = read(dir, "manifest.json");
    expect(manifest.cycle).toBe(2);
    expect(manifest.files.map((f: { file: string }) => f.file)).toEqual(PANEL_NAMES.map((p) => `${p}.json`));
    for (const entry of manifest.files) {
      const env = read(dir, entry.file);
      expect(Object.keys(env)).toEqual(["panel", "schema_version", "generated_at", "data", "sha256"]);
      expect(env.sha256).toBe(entry.sha256);
      expect(env.sha256).toBe(canonicalSha256(env.data));
    }
    expect(read(dir, "header.json").data.clock).toBe("2026-11-20T10:01:00+05:30");
    expect(read(dir, "indices.json").data).toHaveLength(5);
  });

  test("every_n_cycles writes every Nth cycle and always the last", async () => {
    expect(read(await panelDir(3, 2), "manifest.json").cycle).toBe(3);
    expect(read(await panelDir(4, 3), "manifest.json").cycle).toBe(4);
  });

  test("a good set verifies: exit 0", async () => {
    const dir = await panelDir();
    const { code, stdout } = verify(dir);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.outcome).toBe("ok");
    expect(report.files).toHaveLength(PANEL_NAMES.length);
    const text = verify(dir, false);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("ok      indices.json");
  });

  test("a tampered file fails: exit 1, naming the file", async () => {
    const dir = await panelDir();
    const env = read(dir, "indices.json");
    env.data[0].spot += 1;
    writeFileSync(join(gen(dir), "indices.json"), JSON.stringify(env));
    const { code, stdout } = verify(dir);
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.outcome).toBe("mismatch");
    expect(report.files.filter((f: { ok: boolean }) => !f.ok).map((f: { file: string }) => f.file)).toEqual(["indices.json"]);
    expect(report.problems[0]).toContain("data hashes to");
  });

  test("a file whose hash was changed too fails against the manifest", async () => {
    const dir = await panelDir();
    const env = read(dir, "alerts.json");
    env.data = [{ level: "info", at: "x", message: "forged" }];
    env.sha256 = canonicalSha256(env.data);
    writeFileSync(join(gen(dir), "alerts.json"), JSON.stringify(env));
    expect(verifyPanels(dir).problems).toEqual([expect.stringContaining("alerts.json: hash")]);
  });

  test("a missing file fails: exit 1", async () => {
    const dir = await panelDir();
    rmSync(join(gen(dir), "storage.json"));
    const { code, stdout } = verify(dir);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).problems).toEqual(["storage.json: missing"]);
  });

  test("an unreadable or absent manifest: exit 2", async () => {
    const dir = await panelDir();
    writeFileSync(join(gen(dir), "manifest.json"), "{ not json");
    expect(verify(dir).code).toBe(2);
    expect(verify(join(dir, "nowhere")).code).toBe(2);
  });
});

const FILES = [...PANEL_NAMES.map((p) => `${p}.json`), "manifest.json"].sort();

describe("panel generations", () => {
  test("each write is a generation directory behind the current symlink; the previous one is kept", async () => {
    const dir = await panelDir(5);
    expect(readdirSync(dir).sort()).toEqual(["current", "gen-4-3", "gen-5-4"]);
    expect(readlinkSync(join(dir, "current"))).toBe("gen-5-4");
    expect(readdirSync(join(dir, "gen-5-4")).sort()).toEqual(FILES);
    expect(read(dir, "manifest.json").cycle).toBe(5);
    expect(JSON.parse(readFileSync(join(dir, "gen-4-3", "manifest.json"), "utf8")).cycle).toBe(4);
    const report = verifyPanels(dir);
    expect(report).toMatchObject({ outcome: "ok", generation: "gen-5-4" });
    expect(verify(dir, false).stdout).toContain(`${dir} (current -> gen-5-4): ok`);
  });

  test("an unchanged panel is a hard link to the previous generation's file, with its generated_at", async () => {
    const dir = await panelDir(3);
    const [prev, cur] = ["gen-2-1", "gen-3-2"].map((g) => statSync(join(dir, g, "links.json")));
    expect(cur!.ino).toBe(prev!.ino);
    expect(statSync(join(dir, "gen-3-2", "header.json")).ino).not.toBe(statSync(join(dir, "gen-2-1", "header.json")).ino);
    const manifest = read(dir, "manifest.json");
    expect(manifest.files.find((f: { file: string }) => f.file === "links.json").bytes).toBeGreaterThan(0);
  });

  test("open clears what a crash left: other generations, a partial one, temp links, the flat layout", async () => {
    const root = tempDir("g6-panels-");
    const dir = join(root, "panels");
    mkdirSync(join(dir, "gen-9-7"), { recursive: true });
    writeFileSync(join(dir, "gen-9-7", "header.json"), "{}");
    symlinkSync("gen-9-7", join(dir, "current"));
    mkdirSync(join(dir, "gen-10-8"));
    writeFileSync(join(dir, "gen-10-8", "header.json"), "{ torn");
    symlinkSync("gen-10-8", join(dir, "current.tmp-77-gen-10-8"));
    writeFileSync(join(dir, "gen-3-2"), "");
    for (const f of ["manifest.json", "header.json", "header.json.tmp-55"]) writeFileSync(join(dir, f), "{}");
    writeFileSync(join(dir, "notes.txt"), "mine");
    await panelDir(1, 1, root);
    // The old current (gen-9-7) is kept as the previous generation; numbering goes on after 8.
    expect(readdirSync(dir).sort()).toEqual(["current", "gen-1-9", "gen-9-7", "notes.txt"]);
    expect(verifyPanels(dir)).toMatchObject({ outcome: "ok", generation: "gen-1-9" });
    await panelDir(1, 1, root);
    expect(readdirSync(dir).sort()).toEqual(["current", "gen-1-10", "gen-1-9", "notes.txt"]);
  });

  test("verify: a generation directory checks as it is; a current pointing nowhere is exit 2", async () => {
    const dir = await panelDir(2);
    expect(verifyPanels(join(dir, "gen-1-0"))).toMatchObject({ outcome: "ok", generation: null });
    expect(verify(join(dir, "current")).code).toBe(0);
    rmSync(join(dir, "gen-2-1"), { recursive: true });
    const { code, stdout } = verify(dir);
    expect(code).toBe(2);
    expect(JSON.parse(stdout)).toMatchObject({ generation: "gen-2-1", problems: ["manifest.json: cannot be read (ENOENT)"] });
  });

  test("fsyncs of the newest generation run in the background; flush waits for them", async () => {
    const { result, stats } = await fixedCycle();
    const dir = join(tempDir("g6-panels-"), "panels");
    const disk = heldSync();
    const sink = createPanelsSink({ dir, everyNCycles: 1, snapshot: snapshotOf(fixedTracker()), now: () => NOW, sync: disk.sync });
    await sink.open();
    for (let cycle = 1; cycle <= 4; cycle++) expect((await sink.write({ ...result, cycle }, stats)).faults).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(["current", "gen-3-2", "gen-4-3"]);
    expect(readlinkSync(join(dir, "current"))).toBe("gen-4-3");
    expect(disk.synced).toEqual([]);
    let flushed = false;
    const flushing = sink.flush().then(() => (flushed = true));
    await Bun.sleep(20);
    expect(flushed).toBe(false);
    disk.release();
    await flushing;
    // One run for the generation current when the writes came, one more for the newest.
    const newest = [...PANEL_NAMES.map((p) => join(dir, "gen-4-3", `${p}.json`)), join(dir, "gen-4-3", "manifest.json"), join(dir, "gen-4-3"), dir];
    expect(disk.synced).toEqual([...newest.map((p) => p.replace("gen-4-3", "gen-1-0")), ...newest]);
  });

  test("a generation removed while its fsync waited is skipped, not a fault", async () => {
    const { result, stats } = await fixedCycle();
    const dir = join(tempDir("g6-panels-"), "panels");
    const disk = heldSync(syncPath);
    const sink = createPanelsSink({ dir, everyNCycles: 1, snapshot: snapshotOf(fixedTracker()), now: () => NOW, sync: disk.sync });
    await sink.open();
    for (let cycle = 1; cycle <= 3; cycle++) await sink.write({ ...result, cycle }, stats);
    disk.release();
    await sink.flush();
    expect(disk.synced).toContain(join(dir, "gen-1-0", "header.json"));
    expect(disk.synced.at(-1)).toBe(dir);
    expect((await sink.write({ ...result, cycle: 4 }, stats)).faults).toBeUndefined();
  });

  test("a generation that cannot be written is a fault naming the panels dir; current stays on the last good one", async () => {
    const { result, stats } = await fixedCycle();
    const dir = join(tempDir("g6-panels-"), "panels");
    const sink = createPanelsSink({ dir, everyNCycles: 1, snapshot: snapshotOf(fixedTracker()), now: () => NOW, sync: async () => {} });
    await sink.open();
    await sink.write({ ...result, cycle: 1 }, stats);
    // The next generation's name is taken by a file: its directory cannot be made.
    writeFileSync(join(dir, "gen-2-1"), "");
    const report = await sink.write({ ...result, cycle: 2 }, stats);
    expect(report.rows).toBe(0);
    expect(report.faults).toEqual([{ target: dir, code: "io", reason: expect.stringMatching(/^gen-2-1: EEXIST: /) }]);
    expect(readlinkSync(join(dir, "current"))).toBe("gen-1-0");
    expect(verifyPanels(dir).outcome).toBe("ok");
    expect((await sink.write({ ...result, cycle: 3 }, stats)).faults).toBeUndefined();
    expect(readlinkSync(join(dir, "current"))).toBe("gen-3-2");
  });
});
