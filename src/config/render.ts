/**
 * Views of the effective configuration: redacted JSON, the `--explain` listing (each value's
 * source, marking values that differ from defaults), the machine form, and the active-config
 * document the engine writes at start with its short hash. Secrets are always `***`.
 */
import { createHash } from "node:crypto";
import { describeSchema } from "./describe.ts";
import { sourceLabel, type LoadedConfig } from "./load.ts";
import { getPath, setPath } from "./paths.ts";
import type { G6Config } from "./schema.ts";

export const REDACTED = "***";

/** A deep copy of the config with every secret that is set replaced by `***`. */
export function redacted(config: Readonly<G6Config>): G6Config {
  const copy = structuredClone(config) as G6Config;
  for (const s of describeSchema().settings) {
    if (!s.secret || getPath(copy, s.path) === null || getPath(copy, s.path) === undefined) continue;
    setPath(copy as unknown as Record<string, unknown>, s.path, REDACTED);
  }
  return copy;
}

export type ExplainedValue = { path: string; value: unknown; default: unknown; changed: boolean; layer: string; source: string; secret: boolean };

/** Every setting with its effective value (secrets redacted), default and source. */
export function explain(loaded: LoadedConfig): ExplainedValue[] {
  const safe = redacted(loaded.config);
  return describeSchema()
    .settings.filter((s) => s.stage !== "removed")
    .map((s) => {
      const value = getPath(safe, s.path);
      const source = loaded.provenance.get(s.path);
      const changed = JSON.stringify(getPath(loaded.config, s.path)) !== JSON.stringify(s.default);
      return { path: s.path, value, default: s.secret ? null : s.default, changed, layer: source?.layer ?? "default", source: sourceLabel(source), secret: s.secret };
    });
}

/** The `--explain` text: `* path = value  (source)`, `*` marking values that differ from defaults. */
export function explainText(loaded: LoadedConfig): string {
  const rows = explain(loaded);
  const width = Math.max(...rows.map((r) => r.path.length));
  const lines = rows.map((r) => `${r.changed ? "*" : " "} ${r.path.padEnd(width)} = ${JSON.stringify(r.value)}  (${r.source})`);
  return `${lines.join("\n")}\n\n* differs from the built-in default\n`;
}

/** The canonical JSON text of a value: object keys sorted, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** The short hash identifying an effective configuration (secrets redacted first). */
export function configHash(config: Readonly<G6Config>): string {
  return createHash("sha256").update(canonicalJson(redacted(config))).digest("hex").slice(0, 12);
}

/** The document written to `<data_dir>/active_config.json` at start. */
export function activeConfigDocument(loaded: LoadedConfig, writtenAt: Date) {
  return {
    hash: configHash(loaded.config),
    written_at: writtenAt.toISOString(),
    config_file: loaded.file ?? null,
    config: redacted(loaded.config),
    sources: Object.fromEntries(explain(loaded).filter((r) => r.layer !== "default").map((r) => [r.path, r.source])),
  };
}
