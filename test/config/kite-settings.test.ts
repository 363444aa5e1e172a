/**
 * The Kite settings in the config machinery: secrets and the token's expiry in the secrets file,
 * a rewritten secrets file noticed and reloaded (the token applies without a restart), and the
 * validation of URLs, the redirect URL and spot symbols.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/load.ts";
import { redacted } from "../../src/config/render.ts";
import { fileVersion, secretsFileWatch } from "../../src/config/secrets.ts";
import { createConfigStore } from "../../src/config/store.ts";
import { problemsOf } from "../helpers/config.ts";

const dir = mkdtempSync(join(tmpdir(), "g6-kite-settings-"));
const secrets = join(dir, "secrets.json");

function writeSecrets(doc: unknown): void {
  writeFileSync(`${secrets}.tmp`, JSON.stringify(doc), { mode: 0o600 });
  renameSync(`${secrets}.tmp`, secrets);
}

const kite = (token: string, expires = "2026-11-27T06:00:00+05:30") => ({ provider: { kite: { access_token: token, access_token_expires_at: expires } } });

describe("provider.kite settings", () => {
  test("the token and its expiry come from the secrets file; the token is redacted, the expiry shown", () => {
    writeSecrets(kite("tok-1"));
    const { config } = loadConfig({ env: { G6_SECRETS_FILE: secrets, G6_PROVIDER__KIND: "kite", G6_PROVIDER__KITE__API_KEY: "key" }, checkDataDir: false });
    expect(config.provider.kite.access_token).toBe("tok-1");
    expect(config.provider.kite.access_token_expires_at).toBe("2026-11-27T06:00:00+05:30");
    const shown = JSON.stringify(redacted(config));
    expect(shown).not.toContain("tok-1");
    expect(shown).toContain("2026-11-27T06:00:00+05:30");
  });

  test("the API secret and token are refused in the config file", () => {
    const file = join(dir, "g6.json");
    writeFileSync(file, JSON.stringify({ provider: { kite: { api_secret: "s3cr3t" } } }));
    expect(problemsOf(() => loadConfig({ file, checkDataDir: false }))).toEqual([
      "provider.kite.api_secret: a secret must not be in the config file " + file + "; set G6_PROVIDER__KITE__API_SECRET or put it in the secrets file",
    ]);
  });

  test("URLs, the loopback redirect URL, the refresh time and spot symbols are validated", () => {
    const problems = problemsOf(() =>
      loadConfig({
        env: {
          G6_PROVIDER__KITE__REST_URL: "api.kite.trade",
          G6_PROVIDER__KITE__REDIRECT_URL: "http://example.com/cb",
          G6_PROVIDER__KITE__INSTRUMENTS_REFRESH: "8:30",
          G6_PROVIDER__KITE__SPOT_SYMBOLS__NIFTY: "NIFTY 50",
        },
        checkDataDir: false,
      }),
    );
    expect(problems.map((p) => p.split(";")[0])).toEqual([
      "provider.kite.rest_url: expected an http(s) URL",
      "provider.kite.redirect_url: expected a loopback http URL, e.g. http://127.0.0.1:5010/g6/kite/callback",
      "provider.kite.instruments_refresh: expected a time HH:MM (24 h)",
      'provider.kite.spot_symbols.NIFTY: expected Kite notation "NSE:<symbol>" or "BSE:<symbol>"',
    ]);
  });

  test("a rewritten secrets file is noticed once and its new token applies on reload, without a restart", () => {
    writeSecrets(kite("tok-1"));
    const store = createConfigStore({ env: { G6_SECRETS_FILE: secrets }, checkDataDir: false });
    let reloads = 0;
    const check = secretsFileWatch(secrets, () => {
      reloads++;
      const r = store.reload();
      expect(r.applied.sort()).toEqual(["provider.kite.access_token", "provider.kite.access_token_expires_at"]);
      expect(r.restartNeeded).toEqual([]);
    });
    check();
    expect(reloads).toBe(0);
    const v1 = fileVersion(secrets);
    writeSecrets(kite("tok-2", "2026-11-28T06:00:00+05:30"));
    expect(fileVersion(secrets)).not.toBe(v1);
    check();
    check();
    expect(reloads).toBe(1);
    expect(store.current.provider.kite.access_token).toBe("tok-2");
    expect(store.current.provider.kite.access_token_expires_at).toBe("2026-11-28T06:00:00+05:30");
    expect(secretsFileWatch(null, () => reloads++)()).toBeUndefined();
  });
});
