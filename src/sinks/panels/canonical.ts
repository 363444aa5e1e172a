/**
 * Canonical JSON and its SHA-256, the integrity scheme of the panel files. Canonical JSON is
 * JSON.stringify's text for the same value with object keys sorted at every level and no
 * whitespace; non-finite numbers become null, as JSON.stringify makes them. So the hash of the
 * data as written equals the hash of the data read back and parsed.
 */
import { createHash } from "node:crypto";

/** The canonical JSON text of `value` (pure). */
export function canonicalJson(value: unknown): string {
  return canonical(value, "");
}

/**
 * `out` followed by the canonical JSON of `value`: one growing string, keys sorted in place
 * (the panels are canonicalised every cycle; no entry arrays, no per-level joins).
 */
function canonical(value: unknown, out: string): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return out + JSON.stringify(value);
  if (typeof value === "number") return out + (Number.isFinite(value) ? JSON.stringify(value) : "null");
  if (Array.isArray(value)) {
    out += "[";
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out += ",";
      const x = value[i];
      out = x === undefined ? out + "null" : canonical(x, out);
    }
    return out + "]";
  }
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    // Object.keys: the own enumerable string keys Object.entries gives; the default sort orders them by UTF-16 code units.
    const keys = Object.keys(o).sort();
    out += "{";
    let first = true;
    for (const k of keys) {
      const x = o[k];
      if (x === undefined) continue;
      out += first ? JSON.stringify(k) + ":" : "," + JSON.stringify(k) + ":";
      first = false;
      out = canonical(x, out);
    }
    return out + "}";
  }
  throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
}

/** Lower-case hex SHA-256 of the canonical JSON of `value`. */
export function canonicalSha256(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
