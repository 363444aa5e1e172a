/** Dotted key paths over plain config objects ("storage.csv.dir"): read, write, delete, list, freeze. */

export type Raw = Record<string, unknown>;

export const isObject = (x: unknown): x is Raw => typeof x === "object" && x !== null && !Array.isArray(x);

/** Leaf paths of an object with their values (arrays, scalars and empty objects are leaves). */
export function leaves(obj: Raw, prefix = ""): [string, unknown][] {
  const out: [string, unknown][] = [];
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    // An empty object is kept as a leaf so that an unknown empty group is still reported.
    if (isObject(value) && Object.keys(value).length > 0) out.push(...leaves(value, path));
    else out.push([path, value]);
  }
  return out;
}

export function getPath(obj: unknown, path: string): unknown {
  let node = obj;
  for (const key of path.split(".")) node = isObject(node) ? node[key] : undefined;
  return node;
}

/**
 * Sets the value at `path`, creating intermediate objects. A prototype key would write into
 * Object.prototype (or replace a prototype); the file readers reject such keys, and this
 * refuses them too rather than pollute every object.
 */
export function setPath(obj: Raw, path: string, value: unknown): void {
  const keys = path.split(".");
  const bad = keys.find((k) => k === "__proto__" || k === "constructor" || k === "prototype");
  if (bad !== undefined) throw new Error(`key path ${path}: the key "${bad}" is not allowed`);
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    if (!isObject(node[key])) node[key] = {};
    node = node[key] as Raw;
  }
  node[keys[keys.length - 1]!] = value;
}

export function deletePath(obj: Raw, path: string): void {
  const keys = path.split(".");
  const parent = getPath(obj, keys.slice(0, -1).join("."));
  if (keys.length === 1) delete obj[keys[0]!];
  else if (isObject(parent)) delete parent[keys[keys.length - 1]!];
}

export function deepFreeze<T>(obj: T): T {
  if (typeof obj === "object" && obj !== null) {
    for (const value of Object.values(obj)) deepFreeze(value);
    Object.freeze(obj);
  }
  return obj;
}
