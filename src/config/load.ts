/**
 * Layered configuration loader: built-in defaults → JSON file → `G6_*` environment → CLI flags.
 *
 * Each layer is a partial, plain object. The loader merges them, remembers for every leaf
 * which layer (and which file key, variable or flag) supplied it, then validates the result
 * against the strict schema once. Any problem becomes a `ConfigError` listing every issue with
 * its key path, the bad value and the layer it came from. This module and `src/cli.ts` are the
 * only places that see the environment.
 */
import * as v from "valibot";
import { readFileSync } from "node:fs";
import { isPresetName, PRESET_NAMES, PRESETS } from "./presets.ts";
import { ConfigSchema, type G6Config } from "./schema.ts";

export type Layer = "default" | "preset" | "file" | "env" | "cli";
/** Where an effective value came from: the layer and the exact place (file#key, env name, flag). */
export type Source = { layer: Layer; where: string };
export type Provenance = Map<string, Source>;
type Raw = Record<string, unknown>;

/** A configuration problem; `problems` lists each one by key path. Exit status 2. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

export type LoadedConfig = { config: Readonly<G6Config>; provenance: Provenance };

export type LoadInput = {
  /** A named preset (src/config/presets.ts), applied just above the defaults. */
  preset?: string;
  /** Config file path (from --config); must exist when given. */
  file?: string;
  /** The process environment; only `G6_*` names are read. */
  env?: Record<string, string | undefined>;
  /** CLI flag values already mapped to key paths, e.g. { "interval": 5 } with the flag name. */
  cli?: { path: string; value: unknown; flag: string }[];
};

const isObject = (x: unknown): x is Raw => typeof x === "object" && x !== null && !Array.isArray(x);

/** Merges `src` into `dst` (in place), recording the source of each leaf. */
function mergeLayer(dst: Raw, src: Raw, source: (path: string) => Source, prov: Provenance, prefix = ""): void {
  for (const [key, value] of Object.entries(src)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isObject(value)) {
      const child = isObject(dst[key]) ? (dst[key] as Raw) : {};
      dst[key] = child;
      mergeLayer(child, value, source, prov, path);
    } else {
      dst[key] = value;
      prov.set(path, source(path));
    }
  }
}

function setPath(obj: Raw, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Raw;
  }
  node[keys[keys.length - 1]!] = value;
}

/** Reads and parses the JSON config file, with a message naming the file on failure. */
export function readConfigFile(file: string): Raw {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([`config file ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`config file ${file}: malformed JSON (${(err as Error).message})`]);
  }
  if (!isObject(parsed)) throw new ConfigError([`config file ${file}: the top level must be a JSON object`]);
  return parsed;
}

/** Schema node for a dotted path, unwrapping optional/pipe/nullable wrappers. */
function schemaAt(path: string[]): v.GenericSchema | undefined {
  let node: v.GenericSchema | undefined = ConfigSchema as unknown as v.GenericSchema;
  for (const key of path) {
    const obj = unwrap(node);
    if (!obj || obj.type !== "strict_object") return undefined;
    const entries = (obj as unknown as { entries: Record<string, v.GenericSchema> }).entries;
    const match = Object.keys(entries).find((k) => k.toUpperCase() === key.toUpperCase());
    if (!match) return undefined;
    node = entries[match];
  }
  return node;
}

function unwrap(schema: v.GenericSchema | undefined): v.GenericSchema | undefined {
  let node = schema as (v.GenericSchema & { wrapped?: v.GenericSchema; pipe?: v.GenericSchema[] }) | undefined;
  while (node) {
    if (node.wrapped) node = node.wrapped as typeof node;
    else if (node.pipe && node.pipe[0] !== node) node = node.pipe[0] as typeof node;
    else break;
  }
  return node;
}

/** Canonical key path (schema spelling) for an env name's `__`-separated segments. */
function canonicalPath(segments: string[]): string | undefined {
  const out: string[] = [];
  let node: v.GenericSchema | undefined = ConfigSchema as unknown as v.GenericSchema;
  for (const seg of segments) {
    const obj = unwrap(node);
    if (!obj || obj.type !== "strict_object") return undefined;
    const entries = (obj as unknown as { entries: Record<string, v.GenericSchema> }).entries;
    const match = Object.keys(entries).find((k) => k.toUpperCase() === seg);
    if (!match) return undefined;
    out.push(match);
    node = entries[match];
  }
  return out.join(".");
}

/** Parses an environment string by the target field's type (number, boolean, array, null). */
export function parseEnvValue(raw: string, path: string): unknown {
  const leaf = unwrap(schemaAt(path.split(".")));
  const type = leaf?.type;
  const trimmed = raw.trim();
  if (trimmed === "null") return null;
  if (type === "array") {
    if (trimmed.startsWith("[")) return JSON.parse(trimmed);
    return trimmed === "" ? [] : trimmed.split(",").map((s) => s.trim());
  }
  if (type === "boolean") {
    if (/^(true|1|yes|on)$/i.test(trimmed)) return true;
    if (/^(false|0|no|off)$/i.test(trimmed)) return false;
    return raw;
  }
  if (type === "number" || type === "union") {
    const n = Number(trimmed);
    if (trimmed !== "" && Number.isFinite(n)) return n;
  }
  return raw;
}

/** The `G6_*` environment layer: unknown names are reported, not silently dropped. */
function envLayer(env: Record<string, string | undefined>): { raw: Raw; names: Map<string, string>; unknown: string[] } {
  const raw: Raw = {};
  const names = new Map<string, string>();
  const unknown: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith("G6_") || value === undefined) continue;
    const path = canonicalPath(name.slice(3).split("__"));
    if (!path) {
      unknown.push(name);
      continue;
    }
    setPath(raw, path, parseEnvValue(value, path));
    names.set(path, name);
  }
  return { raw, names, unknown };
}

function describeValue(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function sourceLabel(s: Source | undefined): string {
  if (!s || s.layer === "default") return "built-in default";
  if (s.layer === "preset") return `preset ${s.where}`;
  return s.layer === "file" ? `config file ${s.where}` : s.layer === "env" ? `environment ${s.where}` : `flag ${s.where}`;
}

/** Loads, merges and validates the configuration. Throws `ConfigError` listing every problem. */
export function loadConfig(input: LoadInput = {}): LoadedConfig & { warnings: string[] } {
  const prov: Provenance = new Map();
  const merged: Raw = {};
  const warnings: string[] = [];
  if (input.preset !== undefined) {
    const name = input.preset;
    if (!isPresetName(name)) throw new ConfigError([`--preset: unknown preset "${name}"; expected one of ${PRESET_NAMES.join(", ")}`]);
    mergeLayer(merged, structuredClone(PRESETS[name]) as Raw, () => ({ layer: "preset", where: name }), prov);
  }
  if (input.file) {
    const file = input.file;
    mergeLayer(merged, readConfigFile(file), (p) => ({ layer: "file", where: `${file}#${p}` }), prov);
  }
  if (input.env) {
    const { raw, names, unknown } = envLayer(input.env);
    mergeLayer(merged, raw, (p) => ({ layer: "env", where: names.get(p) ?? p }), prov);
    for (const name of unknown) warnings.push(`environment ${name} matches no setting; ignored`);
  }
  for (const flag of input.cli ?? []) {
    setPath(merged, flag.path, flag.value);
    prov.set(flag.path, { layer: "cli", where: flag.flag });
  }
  const result = v.safeParse(ConfigSchema, merged);
  if (!result.success) {
    const problems = result.issues.map((issue) => {
      const path = (issue.path ?? []).map((p) => String(p.key)).join(".") || "(root)";
      let source = prov.get(path);
      for (let p = path; !source && p.includes("."); ) {
        p = p.slice(0, p.lastIndexOf("."));
        source = prov.get(p);
      }
      if (issue.type === "strict_object" && issue.expected === "never") {
        return `${path}: unknown setting (from ${sourceForUnknown(path, input, prov)})`;
      }
      // valibot's own messages start with "Invalid"; custom ones (e.g. "an expiry tag …") say what is expected.
      const expected = issue.message.startsWith("Invalid") ? issue.expected : issue.message;
      return `${path}: expected ${expected}; got ${describeValue(issue.input)} (from ${sourceLabel(source)})`;
    });
    throw new ConfigError(problems);
  }
  return { config: deepFreeze(result.output), provenance: prov, warnings };
}

function sourceForUnknown(path: string, input: LoadInput, prov: Provenance): string {
  const direct = prov.get(path);
  if (direct) return sourceLabel(direct);
  // An unknown object key: its leaves were recorded under deeper paths.
  for (const [p, s] of prov) if (p.startsWith(`${path}.`)) return sourceLabel(s);
  return input.file ? `config file ${input.file}` : "unknown layer";
}

function deepFreeze<T>(obj: T): T {
  if (typeof obj === "object" && obj !== null) {
    for (const value of Object.values(obj)) deepFreeze(value);
    Object.freeze(obj);
  }
  return obj;
}
