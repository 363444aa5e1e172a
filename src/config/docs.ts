/**
 * The configuration reference (docs/CONFIGURATION.md) and the example file
 * (config/example.json), generated from the schema. A test fails when the committed files
 * differ from what these functions produce; `g6 config docs` rewrites them.
 */
import * as v from "valibot";
import { describeSchema, type SettingDoc } from "./describe.ts";
import { deletePath } from "./paths.ts";
import { ConfigSchema } from "./schema.ts";

export const CONFIG_DOCS_FILE = "docs/CONFIGURATION.md";
export const EXAMPLE_CONFIG_FILE = "config/example.json";

const cell = (s: string) => s.replaceAll("|", "\\|").replaceAll("\n", " ");

function defaultText(s: SettingDoc): string {
  if (s.secret) return "unset";
  if (s.default === undefined) return "—";
  const text = JSON.stringify(s.default);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function notes(s: SettingDoc): string {
  const out: string[] = [];
  if (s.stage === "deprecated") out.push(`**deprecated**: use \`${s.replacement}\``);
  if (s.stage === "removed") out.push("**removed**: an error if set");
  if (s.stage === "experimental") out.push("*experimental*");
  if (s.reloadable) out.push("reloadable");
  if (s.secret) out.push("**secret**: environment or secrets file only");
  if (s.secretsFile) out.push("kept in the secrets file (may also be set elsewhere)");
  return out.join("; ");
}

/** The Markdown reference. */
export function configDocs(): string {
  const { settings, groups } = describeSchema();
  const lines = [
    "# G6 configuration reference",
    "",
    "Generated from `src/config/schema.ts` by `g6 config docs`; do not edit by hand.",
    "",
    "## Where values come from",
    "",
    "Layers, later winning: built-in defaults → `--preset NAME` → the config file (`--config FILE`, else",
    "`config/g6.json` when it exists) → the secrets file (`secrets_file`) → `G6_*` environment",
    "variables → command-line flags. Every variable name is the key path in upper case with `__`",
    "between levels (`storage.csv.dir` → `G6_STORAGE__CSV__DIR`); values are parsed by the setting's",
    "type (numbers, `true`/`false`, comma-separated or JSON arrays, `null`). A number in a variable or",
    "flag is written in plain decimal (`16`, `0.5`, `-1`): hex (`0x10`), exponents (`1e3`) and",
    "`Infinity` are errors.",
    "",
    "The config file and the secrets file must be regular files of at most 1 MiB holding one JSON",
    "object, with settings nested by group (`{\"storage\": {\"data_dir\": …}}`; a dotted key such as",
    "`\"storage.data_dir\"` is an error). The keys `__proto__`, `constructor` and `prototype` are",
    "errors anywhere. A bad value in a lower layer is an error even when a higher layer overrides it.",
    "",
    "`g6 config show --explain` prints every effective value with its source. Unknown keys, wrong",
    "types and out-of-range values are errors naming the key path, the value and the layer (exit 2).",
    "An unknown `G6_*` variable or a deprecated setting is a warning (an error with `--strict`).",
    "Secrets never come from the config file or flags, and are shown as `***` everywhere.",
    "Settings marked reloadable apply from the next cycle after SIGHUP or `g6 config reload`;",
    "other changes are reported as needing a restart.",
    "",
  ];
  for (const top of [{ path: "", description: "Top-level settings." }, ...groups]) {
    const own = settings.filter((s) => s.path.split(".").slice(0, -1).join(".") === top.path);
    if (own.length === 0) continue;
    lines.push(`## \`${top.path || "(top level)"}\``, "", top.description, "");
    lines.push("| setting | type | default | unit | constraints | environment | notes | description |", "|---|---|---|---|---|---|---|---|");
    for (const s of own) {
      lines.push(
        `| \`${s.path.split(".").at(-1)}\` | ${cell(s.type)} | \`${cell(defaultText(s))}\` | ${cell(s.unit ?? "")} | ${cell(s.constraints.join("; "))} | \`${s.env}\` | ${notes(s)} | ${cell(s.description)} |`,
      );
    }
    lines.push("");
  }
  return `${lines.join("\n")}`;
}

/** The example config file: every active setting at its default (secrets and deprecated ones left out). */
export function exampleConfig(): string {
  const full = v.parse(ConfigSchema, {}) as Record<string, unknown>;
  const drop = describeSchema().settings.filter((s) => s.secret || s.stage !== "active" && s.stage !== "experimental");
  for (const s of drop) deletePath(full, s.path);
  return `${JSON.stringify(full, null, 2)}\n`;
}
