/**
 * The Kite token store: the day's access token and its expiry, kept in G6's secrets file as
 * `{ "provider": { "kite": { "access_token": …, "access_token_expires_at": … } } }`, the same
 * key paths the config loader reads (so a running engine sees a new token on reload).
 *
 * Decisions:
 * - A write merges into whatever the file holds: other secrets (the API secret, the server
 *   token, …) are kept as they were; only the two token keys are replaced.
 * - The file is replaced atomically and durably (src/files/atomic.ts) with mode 600 from the
 *   start: a reader sees the old or the new token, never half a file, and the token is never
 *   readable by others, not even between the write and the rename. A missing file (and its
 *   directory) is created.
 * - The same location rule as the loader (src/config/secrets.ts): a path inside the G6
 *   directory is refused, so a token is never committed.
 * - Nothing here logs; errors name the file and the key, never a value.
 * - The expiry is an ISO 8601 UTC instant (epoch ms in memory).
 */
import { existsSync } from "node:fs";
import { ConfigError } from "../../config/errors.ts";
import { readJsonObject, SECRETS_FILE } from "../../config/json-file.ts";
import { insideProjectProblem, isInsideProject } from "../../config/secrets.ts";
import { writeFileAtomic } from "../../files/atomic.ts";

/** A stored access token and when it expires (epoch ms; NaN when the file gives none or a bad one). */
export type StoredKiteToken = { accessToken: string; expiresAt: number };

/** Refuses a secrets file inside the G6 directory. */
function checkLocation(path: string): void {
  if (isInsideProject(path)) throw new ConfigError([insideProjectProblem(path)]);
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);

/** The stored token in the secrets file at `path`; undefined when the file or the token is absent. */
export function readKiteToken(path: string): StoredKiteToken | undefined {
  checkLocation(path);
  if (!existsSync(path)) return undefined;
  const raw = readJsonObject(path, SECRETS_FILE);
  const kite = isObject(raw.provider) && isObject(raw.provider.kite) ? raw.provider.kite : undefined;
  const token = kite?.access_token;
  if (typeof token !== "string" || token === "") return undefined;
  const at = kite?.access_token_expires_at;
  return { accessToken: token, expiresAt: typeof at === "string" ? Date.parse(at) : Number.NaN };
}

/**
 * Stores `accessToken`, expiring at `expiresAt` (epoch ms), in the secrets file at `path`,
 * keeping every other key of the file. Creates the file (mode 600) when missing.
 */
export function writeKiteToken(path: string, accessToken: string, expiresAt: number): void {
  checkLocation(path);
  if (accessToken === "") throw new RangeError("refusing to store an empty Kite access token");
  if (!Number.isFinite(expiresAt)) throw new RangeError("refusing to store a Kite access token without a valid expiry");
  const raw = existsSync(path) ? readJsonObject(path, SECRETS_FILE) : {};
  if (raw.provider !== undefined && !isObject(raw.provider)) {
    throw new ConfigError([`${SECRETS_FILE} ${path}: provider must be an object to hold provider.kite.access_token`]);
  }
  const provider = (raw.provider ?? {}) as Record<string, unknown>;
  if (provider.kite !== undefined && !isObject(provider.kite)) {
    throw new ConfigError([`${SECRETS_FILE} ${path}: provider.kite must be an object to hold provider.kite.access_token`]);
  }
  const kite = (provider.kite ?? {}) as Record<string, unknown>;
  const next = {
    ...raw,
    provider: { ...provider, kite: { ...kite, access_token: accessToken, access_token_expires_at: new Date(expiresAt).toISOString() } },
  };
  writeFileAtomic(path, `${JSON.stringify(next, null, 2)}\n`, undefined, 0o600);
}

/** True when the stored token is expired at `now` (epoch ms): past its expiry, or with no valid expiry. */
export function isTokenExpired(token: StoredKiteToken, now: number): boolean {
  return !Number.isFinite(token.expiresAt) || now >= token.expiresAt;
}
