/**
 * `g6 kite status`: is the stored access token good, until when, and for whom.
 *
 * States: `missing` (no token in the secrets file), `expired` (its stored expiry has passed:
 * Kite is not asked), `invalid` (Kite refused it at GET /user/profile, e.g. a newer login
 * replaced it or Kite expired it early), `unchecked` (Kite could not be asked: unreachable,
 * 5xx), `valid`. Only `valid` is a success (exit status 0; every other state 1).
 * Settings are injected; nothing here prints the token.
 */
import { createKiteClient, KITE_DEFAULT_TIMEOUT_MS, KiteApiError } from "./client.ts";
import { isTokenExpired, readKiteToken } from "./token-store.ts";
import { formatIsoIst } from "../../market/ist.ts";

export type KiteStatusSettings = { apiKey: string; restUrl: string; secretsFile: string; now: () => number };

export type KiteTokenState = "valid" | "invalid" | "expired" | "missing" | "unchecked";

export type KiteStatus = { state: KiteTokenState; expiresAt?: number; userId?: string; userName?: string; reason?: string };

/** The state of the stored token, asking Kite when it has not expired by the clock. */
export async function kiteTokenStatus(settings: KiteStatusSettings, opts: { signal?: AbortSignal; callTimeoutMs?: number } = {}): Promise<KiteStatus> {
  const stored = readKiteToken(settings.secretsFile);
  if (stored === undefined) return { state: "missing" };
  const expiresAt = Number.isFinite(stored.expiresAt) ? { expiresAt: stored.expiresAt } : {};
  if (isTokenExpired(stored, settings.now())) return { state: "expired", ...expiresAt };
  const client = createKiteClient({
    restUrl: settings.restUrl,
    apiKey: settings.apiKey,
    accessToken: () => stored.accessToken,
    timeoutMs: opts.callTimeoutMs ?? KITE_DEFAULT_TIMEOUT_MS,
  });
  try {
    const profile = await client.profile(opts.signal);
    return { state: "valid", ...expiresAt, userId: profile.userId, userName: profile.userName };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const refused = err instanceof KiteApiError && err.code === "auth";
    return { state: refused ? "invalid" : "unchecked", ...expiresAt, reason };
  }
}

/** One line for people. */
export function kiteStatusLine(s: KiteStatus, secretsFile: string): string {
  const until = s.expiresAt === undefined ? "" : formatIsoIst(s.expiresAt);
  switch (s.state) {
    case "valid":
      return `valid: Kite access token of ${s.userId}${s.userName ? ` (${s.userName})` : ""}, until ${until}`;
    case "missing":
      return `missing: no Kite access token in ${secretsFile}; run g6 kite login`;
    case "expired":
      return `expired: the Kite access token ${until ? `expired at ${until}` : "has no valid expiry"}; run g6 kite login`;
    case "invalid":
      return `invalid: Kite refused the access token (${s.reason}); run g6 kite login`;
    case "unchecked":
      return `unchecked: cannot ask Kite about the access token${until ? ` (stored expiry ${until})` : ""}: ${s.reason}`;
  }
}
