/** The Kite token store in the secrets file, and the callback URL rules of `g6 kite login`. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PROJECT_ROOT } from "../../../src/config/secrets.ts";
import { callbackTarget, KiteLoginError } from "../../../src/providers/kite/login.ts";
import { isTokenExpired, readKiteToken, writeKiteToken } from "../../../src/providers/kite/token-store.ts";
import { problemsOf } from "../../helpers/config.ts";

const EXPIRY = Date.parse("2026-11-27T00:30:00.000Z"); // 06:00 IST

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "g6-kite-store-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe("token store", () => {
  test("a missing file is created, mode 600, with the token and its expiry under provider.kite", () => {
    const path = join(dir, "sub", "secrets.json");
    expect(readKiteToken(path)).toBeUndefined();
    writeKiteToken(path, "tok-1", EXPIRY);
    expect(modeOf(path)).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      provider: { kite: { access_token: "tok-1", access_token_expires_at: "2026-11-27T00:30:00.000Z" } },
    });
    expect(readKiteToken(path)).toEqual({ accessToken: "tok-1", expiresAt: EXPIRY });
  });

  test("other secrets are kept, the old token replaced, and a group-readable file becomes mode 600", () => {
    const path = join(dir, "secrets.json");
    const before = { server: { token: "srv" }, provider: { kite: { api_secret: "sec", access_token: "old", access_token_expires_at: "2026-11-26T00:30:00.000Z" } } };
    writeFileSync(path, JSON.stringify(before));
    chmodSync(path, 0o644);
    writeKiteToken(path, "new", EXPIRY);
    expect(modeOf(path)).toBe(0o600);
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({
      server: { token: "srv" },
      provider: { kite: { api_secret: "sec", access_token: "new", access_token_expires_at: "2026-11-27T00:30:00.000Z" } },
    });
    // No temp file left beside it.
    expect(readdirSync(dir)).toEqual(["secrets.json"]);
  });

  test("a file without a token reads as no token; a bad expiry reads as NaN (expired)", () => {
    const path = join(dir, "secrets.json");
    writeFileSync(path, JSON.stringify({ provider: { kite: { api_secret: "sec" } } }));
    expect(readKiteToken(path)).toBeUndefined();
    writeFileSync(path, JSON.stringify({ provider: { kite: { access_token: "t", access_token_expires_at: "soon" } } }));
    const stored = readKiteToken(path)!;
    expect(stored.accessToken).toBe("t");
    expect(stored.expiresAt).toBeNaN();
    expect(isTokenExpired(stored, 0)).toBe(true);
  });

  test("a path inside the G6 directory is refused, and nothing is written there", () => {
    const path = join(PROJECT_ROOT, "kite-secrets-test.json");
    expect(problemsOf(() => writeKiteToken(path, "tok", EXPIRY))).toEqual([
      `secrets_file: ${path} is inside the G6 directory; keep secrets outside it so they are never committed`,
    ]);
    expect(existsSync(path)).toBe(false);
    expect(problemsOf(() => readKiteToken(path))).toHaveLength(1);
  });

  test("a provider key that is not an object is not overwritten", () => {
    const path = join(dir, "secrets.json");
    writeFileSync(path, JSON.stringify({ provider: "x" }));
    expect(problemsOf(() => writeKiteToken(path, "tok", EXPIRY))[0]).toContain("provider must be an object");
    expect(readFileSync(path, "utf8")).toBe('{"provider":"x"}');
  });

  test("expired exactly at its expiry, valid one millisecond before", () => {
    const token = { accessToken: "t", expiresAt: EXPIRY };
    expect(isTokenExpired(token, EXPIRY - 1)).toBe(false);
    expect(isTokenExpired(token, EXPIRY)).toBe(true);
  });
});

describe("callback target", () => {
  test("port and path from the redirect URL", () => {
    expect(callbackTarget("http://127.0.0.1:5010/g6/kite/callback")).toEqual({ port: 5010, path: "/g6/kite/callback" });
    expect(callbackTarget("http://localhost/cb")).toEqual({ port: 80, path: "/cb" });
  });

  test("only http on the loopback host", () => {
    expect(() => callbackTarget("https://127.0.0.1:5010/cb")).toThrow(KiteLoginError);
    expect(() => callbackTarget("https://127.0.0.1:5010/cb")).toThrow("is not http://");
    expect(() => callbackTarget("http://example.com:5010/cb")).toThrow('host "example.com" is not 127.0.0.1 or localhost');
    expect(() => callbackTarget("not a url")).toThrow("is not a URL");
  });
});
