/**
 * The dependency rule of src/, as data and a checker: every file belongs to a unit (a folder
 * under src/, or a top-level file), every unit to a layer; a file may import from its own unit,
 * from lower layers and, within the middle layer, from a sibling unless a rule below forbids it.
 *
 *   cli → app → engine → providers/sinks/metrics/summary/server/web → config, state → low modules
 *
 * Low modules (pure): chain, analytics, market, contracts, alerts, g6csv, exit; and files
 * (atomic, durable file replacement, shared by sinks and the Kite token store). `state` (the
 * latest-state store) sits beside config, below the readers of the latest cycle, and imports
 * only contracts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** Layer of each unit; higher may import lower, never the reverse. */
export const LAYERS: Readonly<Record<string, number>> = {
  "cli.ts": 6,
  "cli-parse.ts": 6,
  "app.ts": 5,
  "ingest.ts": 5,
  "ingest-fast.ts": 5,
  "ingest-read.ts": 5,
  "ingest-progress.ts": 5,
  "kernels.ts": 5,
  engine: 4,
  providers: 3,
  sinks: 3,
  metrics: 3,
  summary: 3,
  server: 3,
  // The web dashboard's store, read-back and routes: served by the server, reads the latest-state store.
  web: 3,
  "lock.ts": 3,
  state: 2,
  config: 2,
  chain: 1,
  analytics: 1,
  market: 1,
  contracts: 1,
  alerts: 1,
  g6csv: 1,
  "exit.ts": 1,
  files: 1,
};

/** Pairs a unit may not import although the layers allow it (the importer's path prefix, the imported path prefix, why). */
export const FORBIDDEN: readonly (readonly [string, string, string])[] = [
  ["providers/", "sinks/", "providers and sinks do not know each other"],
  ["sinks/", "providers/", "providers and sinks do not know each other"],
  ["providers/", "summary/", "providers get what they need injected"],
  ["providers/", "server/", "providers get what they need injected"],
  ["sinks/", "summary/", "sinks get the snapshot builder injected"],
  ["sinks/", "server/", "sinks get what they need injected"],
  ["config/", "cli", "the CLI imports config, never the reverse"],
  ["providers/", "state/", "providers do not see the latest cycle; the engine hands them what a cycle needs"],
  ["sinks/", "state/", "a sink is handed each cycle's result and stats in write"],
  ["config/", "state/", "config is the run's settings, not its state"],
];

/** Units above the low layer that may import only these units (besides their own files). */
export const NARROW: Readonly<Record<string, readonly string[]>> = {
  state: ["contracts"],
};

/** Which low units each low unit may import (contracts stays the bottom vocabulary). */
export const LOW_ALLOWED: Readonly<Record<string, readonly string[]>> = {
  contracts: ["chain", "analytics", "market"],
  analytics: [],
  market: [],
  chain: ["analytics", "market"],
  g6csv: ["chain", "market", "contracts"],
  alerts: ["market", "contracts"],
  "exit.ts": [],
  files: [],
};

/**
 * Upward imports allowed as an exception (the importing file, the imported paths, why): each
 * provider owns its settings schema, and the root schema has to include it to validate and
 * document `provider.<kind>`. Only this one config file may do it, and only for schema modules.
 */
export const UPWARD_EXCEPTIONS: readonly (readonly [string, RegExp, string])[] = [
  ["config/providers.ts", /^providers\/[^/]+\/schema\.ts$/, "each provider owns its settings schema; config composes them"],
];

/** A provider's schema module is composed into config, so it may import only the field builders and low modules (no cycle back into config's root schema). */
const SCHEMA_MODULE = /^providers\/[^/]+\/schema\.ts$/;
const SCHEMA_MODULE_MAY_IMPORT = "config/fields.ts";

/** The engine composes through contracts: it names no specific provider or sink. */
const ENGINE_NAMES_NO_IMPLEMENTATION = /^(providers|sinks)\/[^/]+\//;

/** Relative specifiers of every `import … from "…"` and `export … from "…"` in `text` (multi-line lists included). */
export function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^;"']*?\bfrom\s+["']([^"']+)["']/gms)) out.push(m[1]!);
  for (const m of text.matchAll(/^\s*import\s+["']([^"']+)["']/gm)) out.push(m[1]!);
  return out.filter((s) => s.startsWith("."));
}

/** The unit of a path relative to src/: its first folder, or the file itself at top level. */
export function unitOf(path: string): string {
  const slash = path.indexOf("/");
  return slash < 0 ? path : path.slice(0, slash);
}

/** Every .ts file under `root` with its relative import targets, both relative to `root`. */
export function scanImports(root: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".ts")) {
        const rel = relative(root, full);
        files.set(rel, importSpecifiers(readFileSync(full, "utf8")).map((s) => normalize(join(dirname(rel), s))));
      }
    }
  };
  walk(root);
  return files;
}

/** One line per import that breaks the rule: "file imports target: why". */
export function violations(files: ReadonlyMap<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const [file, targets] of files) {
    const from = unitOf(file);
    for (const target of targets) {
      const to = unitOf(target);
      const bad = (why: string) => out.push(`src/${file} imports src/${target}: ${why}`);
      if (target.startsWith("..")) bad("outside src/");
      if (from === to) continue;
      if (SCHEMA_MODULE.test(file) && to === "config" && target !== SCHEMA_MODULE_MAY_IMPORT) bad(`a provider's schema module may import only ${SCHEMA_MODULE_MAY_IMPORT} from config`);
      if (UPWARD_EXCEPTIONS.some(([f, t]) => file === f && t.test(target))) continue;
      const lf = LAYERS[from];
      const lt = LAYERS[to];
      if (lf === undefined) bad(`unit ${from} has no layer`);
      else if (lt === undefined) bad(`unit ${to} has no layer`);
      else if (lt > lf) bad(`${from} (layer ${lf}) imports ${to} (layer ${lt}): arrows point down only`);
      else if (lf === 1 && !(LOW_ALLOWED[from] ?? []).includes(to)) bad(`low module ${from} may import only ${(LOW_ALLOWED[from] ?? []).join(", ") || "nothing"}`);
      else if (NARROW[from] && !NARROW[from].includes(to)) bad(`${from} may import only ${NARROW[from].join(", ")}`);
      for (const [a, b, why] of FORBIDDEN) if (file.startsWith(a) && target.startsWith(b)) bad(why);
      if (from === "engine" && ENGINE_NAMES_NO_IMPLEMENTATION.test(target)) bad("the engine names no specific provider or sink (use src/contracts)");
    }
  }
  return out;
}
