/**
 * Configuration governance: generated docs in sync, no stray environment reads, every setting
 * used, hygiene (did you mean, deprecated, removed, --strict), secrets, cross-field checks,
 * explain and reload.
 */
import { describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeSchema } from "../../src/config/describe.ts";
import { configDocs, exampleConfig } from "../../src/config/docs.ts";
import { configJsonSchema } from "../../src/config/json-schema.ts";
import { ConfigError, loadConfig } from "../../src/config/load.ts";
import { problemsOf } from "../helpers/config.ts";
import { activeConfigDocument, explain, explainText, redacted } from "../../src/config/render.ts";
import { createConfigStore, planReload } from "../../src/config/store.ts";

const ROOT = join(import.meta.dir, "../..");
const tmp = () => mkdtempSync(join(tmpdir(), "g6-gov-"));
function writeJson(dir: string, name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(content));
  return path;
}
function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("generated files are in sync", () => {
  test("docs/CONFIGURATION.md and config/example.json match the schema (run g6 config docs)", () => {
    expect(readFileSync(join(ROOT, "docs/CONFIGURATION.md"), "utf8")).toBe(configDocs());
    expect(readFileSync(join(ROOT, "config/example.json"), "utf8")).toBe(exampleConfig());
  });

  test("the example file is valid and equals the defaults", () => {
    const { config } = loadConfig({ file: join(ROOT, "config/example.json") });
    expect(config).toEqual(loadConfig().config);
  });

  test("the JSON Schema describes keys, bounds and defaults", () => {
    const schema = configJsonSchema() as { additionalProperties: boolean; properties: Record<string, { properties: Record<string, unknown> }> };
    expect(schema.additionalProperties).toBe(false);
    const nifty = (schema.properties.indices!.properties.NIFTY as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(nifty.strikes_below).toMatchObject({ type: "integer", minimum: 0, maximum: 200, default: 10 });
    expect(schema.properties.interval).toMatchObject({ type: "number", minimum: 0, maximum: 3600, default: 60 });
    expect((schema.properties.analytics!.properties as Record<string, unknown>).iv_fallback).toBeUndefined();
  });
});

describe("one declaration, actually used", () => {
  test("nothing outside src/config reads the environment", () => {
    const offenders = [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "workers"))]
      .filter((f) => !f.includes("/src/config/"))
      .filter((f) => /\b(process\.env|Bun\.env)\b/.test(readFileSync(f, "utf8")));
    expect(offenders).toEqual([]);
  });

  test("every active setting's key is read somewhere outside the config module", () => {
    const code = [...sourceFiles(join(ROOT, "src")), ...sourceFiles(join(ROOT, "workers"))]
      .filter((f) => !f.includes("/src/config/"))
      .map((f) => readFileSync(f, "utf8"))
      .join("\n");
    const unused = describeSchema()
      .settings.filter((s) => s.stage === "active" || s.stage === "experimental")
      .map((s) => s.path.split(".").at(-1)!)
      .filter((key) => !new RegExp(`\\.${key}\\b|\\b${key}:|"${key}"`).test(code));
    // secrets_file is consumed by the loader itself (it names the secrets layer).
    expect(unused.filter((k) => k !== "secrets_file")).toEqual([]);
  });

  test("every setting has a description", () => {
    expect(describeSchema().settings.filter((s) => s.description.length < 10).map((s) => s.path)).toEqual([]);
  });
});

describe("hygiene", () => {
  test("unknown variables get the closest valid name", () => {
    const { warnings } = loadConfig({ env: { G6_STORAGE__CSV__DRI: "/x", G6_COMPLETELY_UNRELATED_THING: "1" } });
    expect(warnings).toEqual([
      "environment G6_STORAGE__CSV__DRI matches no setting (did you mean G6_STORAGE__CSV__DIR?); ignored",
      "environment G6_COMPLETELY_UNRELATED_THING matches no setting; ignored",
    ]);
  });

  test("a deprecated setting warns, names its replacement and still takes effect", () => {
    const dir = tmp();
    const file = writeJson(dir, "g6.json", { storage: { csv_dir: "legacy_csv" } });
    const { config, warnings, provenance } = loadConfig({ file });
    expect(config.storage.csv.dir).toBe("legacy_csv");
    expect(provenance.get("storage.csv.dir")?.layer).toBe("file");
    expect(warnings).toEqual([`storage.csv_dir (from config file ${file}#storage.csv_dir) is deprecated; use storage.csv.dir`]);
  });

  test("a removed setting is an error that says why", () => {
    const problems = problemsOf(() => loadConfig({ env: { G6_ANALYTICS__IV_FALLBACK: "0.25" } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith("analytics.iv_fallback: removed setting (from environment G6_ANALYTICS__IV_FALLBACK): The Python G6 wrote this IV");
  });

  test("--strict turns warnings into errors", () => {
    const problems = problemsOf(() => loadConfig({ env: { G6_INTERVALL: "5" }, strict: true }));
    expect(problems).toEqual(["environment G6_INTERVALL matches no setting (did you mean G6_INTERVAL?); ignored (--strict)"]);
  });
});

describe("conflicting settings", () => {
  test("a weekly tag on an index without weekly expiries names the path and layer", () => {
    const dir = tmp();
    const file = writeJson(dir, "g6.json", { indices: { BANKNIFTY: { expiries: ["this_month", "this_week"] } } });
    expect(problemsOf(() => loadConfig({ file }))).toEqual([
      `indices.BANKNIFTY.expiries.1: BANKNIFTY has no weekly expiries (weekly is false): use this_month/next_month or a date; got "this_week" (from config file ${file}#indices.BANKNIFTY.expiries)`,
    ]);
  });

  test("a data directory that cannot be written is refused, and nothing is created", () => {
    const problems = problemsOf(() => loadConfig({ cli: [{ path: "storage.data_dir", value: "/etc/hostname/g6", flag: "--data-dir" }] }));
    expect(problems).toEqual(['storage.data_dir: /etc/hostname is not a directory; got "/etc/hostname/g6" (from flag --data-dir)']);
  });

  test("market close before open", () => {
    expect(problemsOf(() => loadConfig({ env: { G6_MARKET__CLOSE: "09:00" } }))[0]).toBe('market.close: expected a time after market.open (09:15); got "09:00" (from environment G6_MARKET__CLOSE)');
  });
});

describe("secrets", () => {
  test("never from the config file or a flag", () => {
    const dir = tmp();
    const file = writeJson(dir, "g6.json", { server: { token: "s3cret-value" } });
    const problems = problemsOf(() => loadConfig({ file }));
    expect(problems[0]).toBe(`server.token: a secret must not be in the config file ${file}; set G6_SERVER__TOKEN or put it in the secrets file`);
    expect(problems.join("\n")).not.toContain("s3cret-value");
  });

  test("from a secrets file outside the G6 directory; redacted in every view", () => {
    const dir = tmp();
    const secrets = writeJson(dir, "secrets.json", { server: { token: "tok-9f8e7d" } });
    chmodSync(secrets, 0o600);
    const loaded = loadConfig({ env: { G6_SECRETS_FILE: secrets } });
    expect(loaded.config.server.token).toBe("tok-9f8e7d");
    expect(loaded.warnings).toEqual([]);
    expect(loaded.provenance.get("server.token")).toEqual({ layer: "secrets", where: secrets });
    const views = [JSON.stringify(redacted(loaded.config)), JSON.stringify(explain(loaded)), explainText(loaded), JSON.stringify(activeConfigDocument(loaded, new Date(0)))];
    for (const view of views) expect(view).not.toContain("tok-9f8e7d");
    expect(explainText(loaded)).toContain(`server.token`);
    expect(explainText(loaded)).toMatch(/server\.token\s+= "\*\*\*"  \(secrets file /);
  });

  test("a secrets file inside the G6 directory, or holding non-secrets, is refused", () => {
    const inside = problemsOf(() => loadConfig({ env: { G6_SECRETS_FILE: join(ROOT, "package.json") } }));
    expect(inside[0]).toContain("is inside the G6 directory");
    const dir = tmp();
    const file = writeJson(dir, "secrets.json", { interval: 5 });
    chmodSync(file, 0o600);
    expect(problemsOf(() => loadConfig({ env: { G6_SECRETS_FILE: file } }))).toEqual([`interval: not a secret setting; only secrets belong in the secrets file ${file}`]);
  });

  test("a secrets file readable by others is a warning", () => {
    const dir = tmp();
    const file = writeJson(dir, "secrets.json", { server: { token: "abc" } });
    chmodSync(file, 0o644);
    expect(loadConfig({ env: { G6_SECRETS_FILE: file } }).warnings).toEqual([`secrets file ${file} is readable by group or others (mode 644); use chmod 600`]);
  });
});

describe("explain", () => {
  test("marks values that differ from defaults and names their source", () => {
    const loaded = loadConfig({ env: { G6_INTERVAL: "30" }, preset: "g6-default" });
    const rows = new Map(explain(loaded).map((r) => [r.path, r]));
    expect(rows.get("interval")).toMatchObject({ value: 30, default: 60, changed: true, layer: "env", source: "environment G6_INTERVAL" });
    expect(rows.get("indices.NIFTY.strikes_below")).toMatchObject({ value: 6, changed: true, source: "preset g6-default" });
    expect(rows.get("risk_free_rate")).toMatchObject({ changed: false, source: "built-in default" });
    expect(explainText(loaded)).toMatch(/^\* interval +  = 30 {2}\(environment G6_INTERVAL\)$/m);
  });
});

describe("reload", () => {
  test("reloadable changes apply; others need a restart and keep their value", () => {
    const before = loadConfig().config;
    const after = loadConfig({ env: { G6_INTERVAL: "5", G6_INDICES__NIFTY__STRIKES_BELOW: "3", G6_RISK_FREE_RATE: "0.07" } }).config;
    const { config, result } = planReload(before, after);
    expect(result.applied.sort()).toEqual(["indices.NIFTY.strikes_below", "interval"]);
    expect(result.restartNeeded).toEqual(["risk_free_rate"]);
    expect(config.interval).toBe(5);
    expect(config.indices.NIFTY.strikes_below).toBe(3);
    expect(config.risk_free_rate).toBe(0.065);
    expect(Object.isFrozen(config.indices.NIFTY)).toBe(true);
  });

  test("an invalid file is rejected as a whole and the running config stays", () => {
    const dir = tmp();
    const file = writeJson(dir, "g6.json", { interval: 10 });
    const store = createConfigStore({ file });
    writeJson(dir, "g6.json", { interval: 20, indices: { NIFTY: { strikes_below: 999 } } });
    expect(() => store.reload()).toThrow(ConfigError);
    expect(store.current.interval).toBe(10);
    writeJson(dir, "g6.json", { interval: 20 });
    expect(store.reload()).toEqual({ applied: ["interval"], restartNeeded: [] });
    expect(store.current.interval).toBe(20);
  });
});

describe("layer merging edge cases", () => {
  test("an empty group in the file keeps what the preset set", () => {
    const dir = tmp();
    const file = writeJson(dir, "g6.json", { storage: {} });
    expect(loadConfig({ preset: "universe", file }).config.storage.csv.layout).toBe("expiry_v1");
  });
});
