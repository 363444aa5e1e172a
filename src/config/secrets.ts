/**
 * The secrets file: a JSON object with the same key structure as the config, holding only
 * settings marked secret (API keys, tokens). It must live outside the G6 directory (so it is
 * never committed) and should be readable by its owner only. A few settings that are not secret
 * but belong with a secret (an access token's expiry) may live there too (`secretsFile`).
 */
import { statSync } from "node:fs";
import { relative, resolve } from "node:path";
import type { SettingDoc } from "./describe.ts";
import { readJsonObject, SECRETS_FILE } from "./json-file.ts";
import { leaves, type Raw } from "./paths.ts";

/** The G6 installation directory (the repository root). */
export const PROJECT_ROOT = resolve(import.meta.dir, "../..");

/** True when `path` lies inside the G6 directory, where a secret could end up committed. */
export function isInsideProject(path: string): boolean {
  const rel = relative(PROJECT_ROOT, resolve(path));
  return !rel.startsWith("..") && !resolve(path).startsWith("/..");
}

/** The refusal of a secrets file inside the G6 directory. */
export function insideProjectProblem(path: string): string {
  return `secrets_file: ${path} is inside the G6 directory; keep secrets outside it so they are never committed`;
}

/** Reads the secrets file, reporting non-secret keys and an unsafe location or mode. */
export function readSecretsFile(path: string, settings: ReadonlyMap<string, SettingDoc>): { raw: Raw; problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (isInsideProject(path)) {
    problems.push(insideProjectProblem(path));
    return { raw: {}, problems, warnings };
  }
  const raw = readJsonObject(path, SECRETS_FILE);
  for (const [p] of leaves(raw)) {
    const s = settings.get(p);
    if (!s?.secret && !s?.secretsFile) problems.push(`${p}: not a secret setting; only secrets belong in the secrets file ${path}`);
  }
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) warnings.push(`secrets file ${path} is readable by group or others (mode ${(statSync(path).mode & 0o777).toString(8)}); use chmod 600`);
  return { raw, problems, warnings };
}

/**
 * A cheap fingerprint of a file's current version (device, inode, size, modification time), or
 * "" when it cannot be read: a running engine compares it each cycle to notice a rewritten
 * secrets file (an atomic rename changes the inode) without reading the file.
 */
export function fileVersion(path: string): string {
  try {
    const st = statSync(path, { bigint: true });
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}`;
  } catch {
    return "";
  }
}

/**
 * A check to call before each cycle: calls `onChange` once when the secrets file at `path` was
 * rewritten since the last check (or since this was made); a no-op without a secrets file.
 */
export function secretsFileWatch(path: string | null, onChange: () => void): () => void {
  if (!path) return () => {};
  let seen = fileVersion(path);
  return () => {
    const version = fileVersion(path);
    if (version === seen) return;
    seen = version;
    onChange();
  };
}
