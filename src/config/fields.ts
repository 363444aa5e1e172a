/**
 * The building blocks of every settings schema: `field` (one setting with its default,
 * description and metadata) and `group` (a strict object of settings). Kept apart from the
 * root schema so that a provider's own schema module (`src/providers/<kind>/schema.ts`) can
 * build its settings the same way without importing the root schema it is composed into.
 */
import * as v from "valibot";

/** Metadata attached to each setting; read by `config docs` and the loader. */
export type SettingMeta = {
  unit?: string;
  /** Applied from the next cycle on reload; otherwise a restart is needed. */
  reloadable?: boolean;
  /** Never printed, logged or written: shown as `***`. Only from the environment or the secrets file. */
  secret?: boolean;
  /**
   * Kept in the secrets file beside the secrets it belongs to (written there by a command, e.g.
   * an access token's expiry), but not itself secret: shown as is. Allowed in the secrets file,
   * the environment and the config file.
   */
  secretsFile?: boolean;
  /** Lifecycle: experimental, active (default), deprecated (use `replacement`), removed (an error if set). */
  stage?: "experimental" | "active" | "deprecated" | "removed";
  /** Key path that replaces a deprecated or removed setting. */
  replacement?: string;
};

/** A setting: schema, its default, a one-line description and metadata. */
export function field<const S extends v.GenericSchema, const D extends v.InferOutput<S>>(
  schema: S,
  fallback: D,
  description: string,
  meta: SettingMeta = {},
) {
  return v.optional(v.pipe(schema, v.description(description), v.metadata(meta)), fallback);
}

/** A group of settings: strict (unknown keys are errors), defaults filled in. */
export function group<const E extends v.ObjectEntries>(entries: E, description: string) {
  const schema = v.pipe(v.strictObject(entries), v.description(description));
  // Every entry has its own default, so an absent group is the empty object.
  return v.optional(schema, {} as v.InferInput<typeof schema>);
}
