/**
 * Layered configuration loader. Layers, later winning:
 *   built-in defaults → preset (--preset) → config file (--config, else config/g6.json if
 *   present) → secrets file (secrets_file) → `G6_*` environment → CLI flags.
 *
 * Each layer is a partial object. The loader merges them, remembers for every leaf which layer
 * and which exact place (file#key, variable, flag) supplied it, applies deprecations, refuses
 * removed settings and secrets outside the environment/secrets file, then validates the result
 * against the strict schema once and runs the cross-field checks. Every problem becomes one line
 * of a `ConfigError` naming the key path, the bad value, what was expected and the layer.
 */
import * as v from "valibot";
import { existsSync, readFileSync } from "node:fs";
import { checkConfig } from "./checks.ts";
import { ConfigError } from "./errors.ts";
import { readJsonObject } from "./json-file.ts";
import { deepFreeze, deletePath, getPath, isObject, leaves, setPath, type Raw } from "./paths.ts";
import { describeSchema, type SettingDoc } from "./describe.ts";
import { unknownEnvWarning } from "./hygiene.ts";
import { isPresetName, PRESET_NAMES, PRESETS } from "./presets.ts";
import { ConfigSchema, type G6Config } from "./schema.ts";
import { readSecretsFile } from "./secrets.ts";

export { ConfigError } from "./errors.ts";

export type Layer = "default" | "preset" | "file" | "secrets" | "env" | "cli";
/** Where an effective value came from: the layer and the exact place (file#key, env name, flag). */
export type Source = { layer: Layer; where: string };
export type Provenance = Map<string, Source>;

export type LoadedConfig = {
  config: Readonly<G6Config>;
  provenance: Provenance;
  warnings: string[];
  /** The config file actually read, if any. */
  file?: string;
};

/** The config file used when --config is not given, if it exists. */
export const DEFAULT_CONFIG_FILE = "config/g6.json";

export type LoadInput = {
  /** A named preset (src/config/presets.ts), applied just above the defaults. */
  preset?: string;
  /** Config file path (from --config); must exist when given. */
  file?: string;
  /** Read config/g6.json when no file is given and it exists (the CLI does; tests usually not). */
  useDefaultFile?: boolean;
  /** The process environment; only `G6_*` names are read. */
  env?: Record<string, string | undefined>;
  /** CLI flag values already mapped to key paths, e.g. { path: "interval", value: 5, flag: "--interval" }. */
  cli?: { path: string; value: unknown; flag: string }[];
  /** Turn warnings (unknown variables, deprecated settings) into errors. */
  strict?: boolean;
  /** Check that the data directory is writable (without creating anything). Default true. */
  checkDataDir?: boolean;
};

/**
 * A number as a person writes it in decimal: optional sign, digits, optional fraction
 * ("16", "-0.5", ".5"). Hex ("0x10"), binary, exponents ("1e3"), "Infinity" and blanks are not
 * numbers here, although JavaScript's Number() accepts them.
 */
const DECIMAL_NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

/** `s` as a number when it is a plain decimal number (see DECIMAL_NUMBER), else `s` unchanged. */
export function decimalOrRaw(s: string): number | string {
  const trimmed = s.trim();
  return DECIMAL_NUMBER.test(trimmed) ? Number(trimmed) : s;
}

/** Parses an environment string by the target field's type (number, boolean, array, null). */
export function parseEnvValue(raw: string, setting: SettingDoc): unknown {
  const trimmed = raw.trim();
  if (trimmed === "null") return null;
  const type = setting.node.type;
  if (type === "array") {
    if (trimmed.startsWith("[")) {
      try {
        return JSON.parse(trimmed);
      } catch {
        return raw;
      }
    }
    return trimmed === "" ? [] : trimmed.split(",").map((s) => s.trim());
  }
  if (type === "boolean") {
    if (/^(true|1|yes|on)$/i.test(trimmed)) return true;
    if (/^(false|0|no|off)$/i.test(trimmed)) return false;
    return raw;
  }
  if (/number/.test(setting.type)) return decimalOrRaw(raw);
  return raw;
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A human label for a value's source. */
export function sourceLabel(s: Source | undefined): string {
  if (!s || s.layer === "default") return "built-in default";
  switch (s.layer) {
    case "preset":
      return `preset ${s.where}`;
    case "file":
      return `config file ${s.where}`;
    case "secrets":
      return `secrets file ${s.where}`;
    case "env":
      return `environment ${s.where}`;
    default:
      return `flag ${s.where}`;
  }
}

/** The source of the value at `path`, or of its nearest recorded ancestor/descendant. */
function sourceOf(prov: Provenance, path: string): Source | undefined {
  for (let p = path; ; p = p.slice(0, p.lastIndexOf("."))) {
    const s = prov.get(p);
    if (s) return s;
    if (!p.includes(".")) break;
  }
  for (const [p, s] of prov) if (p.startsWith(`${path}.`)) return s;
  return undefined;
}

/** One problem line for a schema issue at `path`: what was expected, what was given, from where. */
function issueProblem(path: string, issue: v.BaseIssue<unknown>, source: Source | undefined, secret: boolean): string {
  // valibot's own messages start with "Invalid"; custom ones (e.g. "an expiry tag …") say what is expected.
  const expected = issue.message.startsWith("Invalid") ? issue.expected : issue.message;
  const line = `${path}: expected ${expected}; got ${secret ? "***" : describeValue(issue.input)} (from ${sourceLabel(source)})`;
  // "0x10" or "1e3" is a number to JavaScript, so say why it is refused here.
  const jsNumber = typeof issue.input === "string" && issue.input.trim() !== "" && !Number.isNaN(Number(issue.input));
  return issue.type === "number" && jsNumber && (source?.layer === "env" || source?.layer === "cli") ? `${line}; write numbers in plain decimal (e.g. 16 or 0.5)` : line;
}

/** Values of a layer that must be objects (the setting groups) but are not: problems, and removed from `raw`. */
function groupShapeProblems(raw: Raw, groupPaths: readonly string[], source: (path: string) => Source): string[] {
  const problems: string[] = [];
  for (const path of groupPaths) {
    const value = getPath(raw, path);
    if (value === undefined || isObject(value)) continue;
    const from = source(path);
    const shown = from.layer === "secrets" ? "***" : describeValue(value);
    problems.push(`${path}: expected an object of settings ({…}); got ${shown} (from ${sourceLabel(from)})`);
    deletePath(raw, path);
  }
  return problems;
}

/** Loads, merges and validates the configuration. Throws `ConfigError` listing every problem. */
export function loadConfig(input: LoadInput = {}): LoadedConfig {
  const { settings, groups } = describeSchema();
  const groupPaths = groups.map((g) => g.path);
  const byPath = new Map(settings.map((s) => [s.path, s]));
  const byEnv = new Map(settings.map((s) => [s.env, s]));
  const prov: Provenance = new Map();
  const merged: Raw = {};
  const warnings: string[] = [];
  const problems: string[] = [];
  /** Every layer applied, so that a value later overridden is still validated. */
  const applied: { raw: Raw; source: (path: string) => Source }[] = [];
  const apply = (raw: Raw, source: (path: string) => Source) => {
    problems.push(...groupShapeProblems(raw, groupPaths, source));
    applied.push({ raw, source });
    for (const [path, value] of leaves(raw)) {
      // An empty group adds nothing; it must not wipe what lower layers set in it.
      if (!(isObject(value) && isObject(getPath(merged, path)))) setPath(merged, path, value);
      prov.set(path, source(path));
    }
  };

  if (input.preset !== undefined) {
    const name = input.preset;
    if (!isPresetName(name)) throw new ConfigError([`--preset: unknown preset "${name}"; expected one of ${PRESET_NAMES.join(", ")}`]);
    apply(structuredClone(PRESETS[name]) as Raw, () => ({ layer: "preset", where: name }));
  }

  const file = input.file ?? (input.useDefaultFile && existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  if (file) {
    const raw = readJsonObject(file, "config file");
    for (const [path] of leaves(raw)) {
      if (byPath.get(path)?.secret) problems.push(`${path}: a secret must not be in the config file ${file}; set ${byPath.get(path)!.env} or put it in the secrets file`);
    }
    apply(raw, (p) => ({ layer: "file", where: `${file}#${p}` }));
  }

  const envRaw: Raw = {};
  const envNames = new Map<string, string>();
  for (const [name, value] of Object.entries(input.env ?? {})) {
    if (!name.startsWith("G6_") || value === undefined) continue;
    const setting = byEnv.get(name);
    if (!setting) {
      warnings.push(unknownEnvWarning(name, settings));
      continue;
    }
    setPath(envRaw, setting.path, parseEnvValue(value, setting));
    envNames.set(setting.path, name);
  }
  const cliRaw: Raw = {};
  for (const flag of input.cli ?? []) {
    if (byPath.get(flag.path)?.secret) problems.push(`${flag.path}: a secret must not be given on the command line (${flag.flag}); use ${byPath.get(flag.path)!.env}`);
    setPath(cliRaw, flag.path, flag.value);
  }

  // The secrets file sits above the config file and below the environment; its path may come
  // from any layer.
  const secretsPath = (getPath(cliRaw, "secrets_file") ?? getPath(envRaw, "secrets_file") ?? getPath(merged, "secrets_file")) as unknown;
  if (typeof secretsPath === "string") {
    const secrets = readSecretsFile(secretsPath, byPath);
    problems.push(...secrets.problems);
    warnings.push(...secrets.warnings);
    apply(secrets.raw, () => ({ layer: "secrets", where: secretsPath }));
  }
  apply(envRaw, (p) => ({ layer: "env", where: envNames.get(p) ?? p }));
  for (const flag of input.cli ?? []) {
    setPath(merged, flag.path, flag.value);
    prov.set(flag.path, { layer: "cli", where: flag.flag });
  }

  for (const [path, source] of [...prov]) {
    const setting = byPath.get(path);
    if (setting?.stage === "removed") {
      problems.push(`${path}: removed setting (from ${sourceLabel(source)}): ${setting.description}`);
      deletePath(merged, path);
    } else if (setting?.stage === "deprecated" && setting.replacement) {
      warnings.push(`${path} (from ${sourceLabel(source)}) is deprecated; use ${setting.replacement}`);
      const value = getPath(merged, path);
      if (value !== null && value !== undefined && !prov.has(setting.replacement)) {
        setPath(merged, setting.replacement, value);
        prov.set(setting.replacement, source);
      }
    }
  }

  // A bad value stays an error when a higher layer overrides it: the file must be fixed anyway,
  // and the override may be gone on the next start.
  for (const { raw, source } of applied) {
    for (const s of settings) {
      const value = getPath(raw, s.path);
      const final = prov.get(s.path);
      if (value === undefined || s.stage === "removed" || final === undefined || final.layer === source(s.path).layer) continue;
      const check = v.safeParse(s.node as unknown as v.GenericSchema, value);
      if (check.success) continue;
      for (const issue of check.issues) {
        const at = [s.path, ...(issue.path ?? []).map((p) => String(p.key))].join(".");
        problems.push(issueProblem(at, issue, source(s.path), s.secret));
      }
    }
  }

  // Unknown keys are found here rather than by the schema, which stops looking for them
  // inside an object once one of its known entries is invalid.
  const groupSet = new Set(groupPaths);
  const unknown = new Set<string>();
  for (const path of prov.keys()) {
    const keys = path.split(".");
    for (let i = 1; i <= keys.length; i++) {
      const prefix = keys.slice(0, i).join(".");
      if (byPath.has(prefix)) break;
      if (!groupSet.has(prefix)) {
        if (!unknown.has(prefix)) problems.push(`${prefix}: unknown setting (from ${sourceLabel(sourceOf(prov, prefix))})`);
        unknown.add(prefix);
        break;
      }
    }
  }

  const result = v.safeParse(ConfigSchema, merged);
  if (!result.success) {
    for (const issue of result.issues) {
      const path = (issue.path ?? []).map((p) => String(p.key)).join(".") || "(root)";
      const source = sourceOf(prov, path);
      if (issue.type === "strict_object" && issue.expected === "never") {
        if (!unknown.has(path)) problems.push(`${path}: unknown setting (from ${sourceLabel(source)})`);
        continue;
      }
      problems.push(issueProblem(path, issue, source, byPath.get(path)?.secret ?? false));
    }
  } else {
    for (const c of checkConfig(result.output, { checkDataDir: input.checkDataDir ?? true })) {
      problems.push(`${c.path}: ${c.message}; got ${describeValue(c.value)} (from ${sourceLabel(sourceOf(prov, c.path))})`);
    }
  }
  if (input.strict) problems.push(...warnings.map((w) => `${w} (--strict)`));
  if (problems.length || !result.success) throw new ConfigError(problems);
  return { config: deepFreeze(result.output), provenance: prov, warnings, file };
}
