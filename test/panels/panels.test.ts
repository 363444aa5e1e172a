/** Panel files: written by the engine, checked by `g6 panels verify` (good, tampered, missing, unreadable). */
import { describe, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson, canonicalSha256 } from "../../src/sinks/panels/canonical.ts";
import { PANEL_NAMES } from "../../src/sinks/panels/sink.ts";
import { verifyPanels } from "../../src/sinks/panels/verify.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

function verify(dir: string, json = true) {
  const p = Bun.spawnSync([process.execPath, CLI, "panels", "verify", dir, ...(json ? ["--json"] : [])], { env: { ...process.env, NO_COLOR: "1" } });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

/** A fresh panel directory from `cycles` cycles of the engine. */
async function panelDir(cycles = 2, every = 1): Promise<string> {
  const root = tempDir("g6-panels-");
  const config = testConfig({
    pool: { size: 0 },
    provider: { sim: { start: "2026-11-20T10:00", seed: 5 } },
    storage: { data_dir: root, csv: { enabled: false }, panels: { every_n_cycles: every } },
  });
  await runEngine(config, cycles);
  return join(root, "panels");
}

const read = (dir: string, file: string) => JSON.parse(readFileSync(join(dir, file), "utf8"));

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
    writeFileSync(join(dir, "indices.json"), JSON.stringify(env));
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
    writeFileSync(join(dir, "alerts.json"), JSON.stringify(env));
    expect(verifyPanels(dir).problems).toEqual([expect.stringContaining("alerts.json: hash")]);
  });

  test("a missing file fails: exit 1", async () => {
    const dir = await panelDir();
    rmSync(join(dir, "storage.json"));
    const { code, stdout } = verify(dir);
    expect(code).toBe(1);
    expect(JSON.parse(stdout).problems).toEqual(["storage.json: missing"]);
  });

  test("an unreadable or absent manifest: exit 2", async () => {
    const dir = await panelDir();
    writeFileSync(join(dir, "manifest.json"), "{ not json");
    expect(verify(dir).code).toBe(2);
    expect(verify(join(dir, "nowhere")).code).toBe(2);
  });
});
