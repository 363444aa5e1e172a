/**
 * Reads the config schema as data: every setting's key path, type, default, bounds,
 * description, unit, lifecycle stage and flags. The docs generator, the JSON Schema export,
 * `config show --explain`, environment hygiene and reload all read this one description,
 * so none of them can drift from the schema.
 */
import { ConfigSchema, type SettingMeta } from "./schema.ts";

/** A leaf setting of the schema. */
export type SettingDoc = {
  path: string;
  /** Environment variable that sets it. */
  env: string;
  type: string;
  default: unknown;
  description: string;
  unit?: string;
  constraints: string[];
  stage: NonNullable<SettingMeta["stage"]>;
  replacement?: string;
  reloadable: boolean;
  secret: boolean;
  /** Allowed in the secrets file although not secret (see SettingMeta.secretsFile). */
  secretsFile: boolean;
  /** The schema node (without the optional wrapper), for JSON Schema export. */
  node: SchemaNode;
};

/** A group of settings (a nested object) with its description. */
export type GroupDoc = { path: string; description: string };

/** The structural view of a valibot schema node that the walker needs. */
export type SchemaNode = {
  type: string;
  wrapped?: SchemaNode;
  default?: unknown;
  pipe?: SchemaNode[];
  entries?: Record<string, SchemaNode>;
  options?: unknown[];
  item?: SchemaNode;
  literal?: unknown;
  requirement?: unknown;
  description?: string;
  metadata?: SettingMeta;
  message?: unknown;
  kind?: string;
};

const ROOT = ConfigSchema as unknown as SchemaNode;

/** The env name of a key path: `storage.csv.dir` → `G6_STORAGE__CSV__DIR`. */
export function envName(path: string): string {
  return `G6_${path.split(".").join("__").toUpperCase()}`;
}

/** The actions of a node's pipe, including those of nested pipes (field() wraps a piped schema). */
function actions(node: SchemaNode): SchemaNode[] {
  if (!node.pipe) return [];
  const base = node.pipe[0]!;
  return [...(base.pipe ? actions(base) : []), ...node.pipe.slice(1)];
}

function constraintOf(a: SchemaNode): string | undefined {
  switch (a.type) {
    case "min_value":
      return `≥ ${a.requirement}`;
    case "max_value":
      return `≤ ${a.requirement}`;
    case "gt_value":
      return `> ${a.requirement}`;
    case "integer":
      return "integer";
    case "min_length":
      return `length ≥ ${a.requirement}`;
    case "max_length":
      return `length ≤ ${a.requirement}`;
    case "regex":
    case "check":
      return typeof a.message === "string" ? a.message : undefined;
    default:
      return undefined;
  }
}

/** A short type name for docs: number, string, boolean, "a" | "b", string[], … */
export function typeName(node: SchemaNode): string {
  switch (node.type) {
    case "picklist":
      return (node.options ?? []).map((o) => JSON.stringify(o)).join(" | ");
    case "literal":
      return JSON.stringify(node.literal);
    case "array":
      return `${typeName(node.item!)}[]`;
    case "union":
      return (node.options as SchemaNode[]).map(typeName).join(" | ");
    case "nullable":
      return `${typeName(node.wrapped!)} | null`;
    default:
      return node.type;
  }
}

/** Constraints of a node and of the members of its unions/nullables. */
function constraints(node: SchemaNode): string[] {
  const own = actions(node).map(constraintOf).filter((c): c is string => c !== undefined);
  if (node.type === "nullable") return [...own, ...constraints(node.wrapped!)];
  if (node.type === "union") return [...own, ...(node.options as SchemaNode[]).flatMap(constraints)];
  if (node.type === "array") return [...own, ...constraints(node.item!).map((c) => `each ${c}`)];
  return own;
}

/** Every setting and group of the schema, in declaration order. */
export function describeSchema(): { settings: SettingDoc[]; groups: GroupDoc[] } {
  const settings: SettingDoc[] = [];
  const groups: GroupDoc[] = [];
  const walk = (entries: Record<string, SchemaNode>, prefix: string) => {
    for (const [key, wrapper] of Object.entries(entries)) {
      const path = prefix ? `${prefix}.${key}` : key;
      const node = wrapper.type === "optional" ? wrapper.wrapped! : wrapper;
      const acts = actions(node);
      const description = acts.find((a) => a.type === "description")?.description ?? "";
      if (node.type === "strict_object") {
        groups.push({ path, description });
        walk(node.entries!, path);
        continue;
      }
      const meta = acts.find((a) => a.type === "metadata")?.metadata ?? {};
      settings.push({
        path,
        env: envName(path),
        type: typeName(node),
        default: wrapper.default,
        description,
        unit: meta.unit,
        constraints: constraints(node),
        stage: meta.stage ?? "active",
        replacement: meta.replacement,
        reloadable: meta.reloadable ?? false,
        secret: meta.secret ?? false,
        secretsFile: meta.secretsFile ?? false,
        node,
      });
    }
  };
  walk(ROOT.entries!, "");
  return { settings, groups };
}
