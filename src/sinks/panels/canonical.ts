/**
 * Canonical JSON and its SHA-256, the integrity scheme of the panel files. Canonical JSON is
 * JSON.stringify's text for the same value with object keys sorted at every level and no
 * whitespace; non-finite numbers become null, as JSON.stringify makes them. So the hash of the
 * data as written equals the hash of the data read back and parsed.
 */
import { createHash } from "node:crypto";

/** The canonical JSON text of `value` (pure). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : "null";
  if (Array.isArray(value)) return `[${value.map((x) => (x === undefined ? "null" : canonicalJson(x))).join(",")}]`;
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  throw new TypeError(`canonicalJson: cannot encode a ${typeof value}`);
}

/** Lower-case hex SHA-256 of the canonical JSON of `value`. */
export function canonicalSha256(value: unknown): string {
  return createHash("sha256").update(canonicalJson(value)).digest("hex");
}
