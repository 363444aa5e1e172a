/** JSON Schema (draft 2020-12) of the config file, generated from the valibot schema, for editors. */
import { describeSchema, type SchemaNode } from "./describe.ts";

type Json = Record<string, unknown>;

function actionsOf(node: SchemaNode): SchemaNode[] {
  if (!node.pipe) return [];
  const base = node.pipe[0]!;
  return [...(base.pipe ? actionsOf(base) : []), ...node.pipe.slice(1)];
}

/** The JSON Schema of one node (type, enum, bounds, pattern, items, anyOf). */
export function nodeSchema(node: SchemaNode): Json {
  const out: Json = {};
  switch (node.type) {
    case "number":
      out.type = actionsOf(node).some((a) => a.type === "integer") ? "integer" : "number";
      break;
    case "string":
    case "boolean":
      out.type = node.type;
      break;
    case "picklist":
      out.enum = node.options;
      break;
    case "literal":
      out.const = node.literal;
      break;
    case "array":
      out.type = "array";
      out.items = nodeSchema(node.item!);
      break;
    case "union":
      out.anyOf = (node.options as SchemaNode[]).map(nodeSchema);
      break;
    case "nullable":
      out.anyOf = [nodeSchema(node.wrapped!), { type: "null" }];
      break;
    default:
      break;
  }
  for (const a of actionsOf(node)) {
    if (a.type === "min_value") out.minimum = a.requirement;
    else if (a.type === "max_value") out.maximum = a.requirement;
    else if (a.type === "gt_value") out.exclusiveMinimum = a.requirement;
    else if (a.type === "min_length") out[out.type === "array" ? "minItems" : "minLength"] = a.requirement;
    else if (a.type === "max_length") out[out.type === "array" ? "maxItems" : "maxLength"] = a.requirement;
    else if (a.type === "regex") out.pattern = (a.requirement as RegExp).source;
  }
  return out;
}

/** The whole config file's JSON Schema. */
export function configJsonSchema(): Json {
  const { settings, groups } = describeSchema();
  const root: Json = { $schema: "https://json-schema.org/draft/2020-12/schema", title: "G6 configuration", type: "object", additionalProperties: false, properties: {} };
  const objectAt = (path: string): Json => {
    let node = root;
    for (const key of path.split(".").filter(Boolean)) node = (node.properties as Record<string, Json>)[key]!;
    return node;
  };
  for (const g of groups) {
    const parent = objectAt(g.path.split(".").slice(0, -1).join("."));
    (parent.properties as Record<string, Json>)[g.path.split(".").at(-1)!] = { type: "object", description: g.description, additionalProperties: false, properties: {} };
  }
  for (const s of settings) {
    if (s.stage === "removed") continue;
    const parent = objectAt(s.path.split(".").slice(0, -1).join("."));
    const schema: Json = { ...nodeSchema(s.node), description: s.description + (s.unit ? ` (${s.unit})` : "") };
    if (s.default !== undefined && !s.secret) schema.default = s.default;
    if (s.stage === "deprecated") schema.deprecated = true;
    (parent.properties as Record<string, Json>)[s.path.split(".").at(-1)!] = schema;
  }
  return root;
}
