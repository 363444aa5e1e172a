/**
 * The Kite provider on the fake Kite server: dump days and the cache, a new day's dumps without a
 * restart, a known expiry failing calls without calling Kite, a refused token at open.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ProviderError } from "../../../src/contracts/index.ts";
import { istEpoch } from "../../../src/market/ist.ts";
import { dumpDay } from "../../../src/providers/kite/cache.ts";
import { createKiteProvider } from "../../../src/providers/kite/provider.ts";
import { kiteOptions } from "../../fakes/kite/provider-options.ts";
import { type FakeKite, startFakeKite } from "../../fakes/kite/server.ts";

let fake: FakeKite;
beforeAll(() => {
  fake = startFakeKite({ market: { now: () => istEpoch("2026-11-26", "10:30") } });
});
afterAll(async () => {
  await fake.close();
});

function provider(now: () => number, opts: { token?: string; expiresAt?: number; dataDir?: string; keepDays?: number } = {}) {
  const token = opts.token ?? fake.createSession();
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "g6-kite-provider-"));
  const p = createKiteProvider(
    kiteOptions(fake, () => token, {
      accessTokenExpiresAt: () => opts.expiresAt ?? Number.NaN,
      instrumentsKeepDays: opts.keepDays,
      dataDir,
      indices: ["NIFTY", "SENSEX"],
      now,
    }),
  );
  return { p, dataDir };
}

const downloads = () => ["NSE", "BSE", "NFO", "BFO"].reduce((n, e) => n + (fake.counters.requests[`GET /instruments/${e}`] ?? 0), 0);

describe("dump days", () => {
  test("the dump day is the IST date whose refresh time has passed", () => {
    expect(dumpDay(istEpoch("2026-11-26", "08:29:59"), "08:30")).toBe("2026-11-25");
    expect(dumpDay(istEpoch("2026-11-26", "08:30"), "08:30")).toBe("2026-11-26");
    expect(dumpDay(istEpoch("2026-11-27", "00:10"), "08:30")).toBe("2026-11-26");
  });

  test("open caches the day's four dumps; a new dump day downloads the new ones at the next call, without a reopen", async () => {
    let now = istEpoch("2026-11-26", "10:30");
    const { p, dataDir } = provider(() => now);
    const before = downloads();
    await p.open();
    expect(downloads() - before).toBe(4);
    expect(p.catalogDay).toBe("2026-11-26");
    expect(readdirSync(join(dataDir, "kite", "instruments", "2026-11-26")).sort()).toEqual(["BFO.csv", "BSE.csv", "NFO.csv", "NSE.csv"]);
    // Overnight, before the refresh time: still the same dumps.
    now = istEpoch("2026-11-27", "08:00");
    expect((await p.listExpiries("NIFTY", "2026-11-27")).length).toBeGreaterThan(0);
    expect(downloads() - before).toBe(4);
    // After it: the next call loads the new day's dumps (concurrent calls share one load).
    now = istEpoch("2026-11-27", "09:00");
    await Promise.all([p.listExpiries("NIFTY", "2026-11-27"), p.listExpiries("SENSEX", "2026-11-27")]);
    expect(downloads() - before).toBe(8);
    expect(p.catalogDay).toBe("2026-11-27");
    expect(existsSync(join(dataDir, "kite", "instruments", "2026-11-27", "NFO.csv"))).toBe(true);
  });

  test("a day's download prunes the cache to the newest instruments_keep_days day folders, and leaves other entries alone", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "g6-kite-prune-"));
    const root = join(dataDir, "kite", "instruments");
    for (const day of ["2026-11-19", "2026-11-20", "2026-11-23", "2026-11-24", "2026-11-25"]) {
      mkdirSync(join(root, day), { recursive: true });
      writeFileSync(join(root, day, "NFO.csv"), "old");
    }
    mkdirSync(join(root, "notes"));
    writeFileSync(join(root, "README"), "mine");
    const { p } = provider(() => istEpoch("2026-11-26", "10:30"), { dataDir, keepDays: 3 });
    await p.open();
    expect(readdirSync(root).sort()).toEqual(["2026-11-24", "2026-11-25", "2026-11-26", "README", "notes"]);
    // A start from the cache downloads nothing and prunes nothing.
    mkdirSync(join(root, "2026-11-01"));
    const again = provider(() => istEpoch("2026-11-26", "11:00"), { dataDir, keepDays: 1 });
    await again.p.open();
    expect(again.p.stats.dumpsFromCache).toBe(4);
    expect(existsSync(join(root, "2026-11-01"))).toBe(true);
  });

  test("a cached file that is not a dump is downloaded again", async () => {
    const now = () => istEpoch("2026-11-26", "10:30");
    const first = provider(now);
    await first.p.open();
    writeFileSync(join(first.dataDir, "kite", "instruments", "2026-11-26", "BSE.csv"), "");
    const before = downloads();
    const again = provider(now, { dataDir: first.dataDir });
    await again.p.open();
    expect(downloads() - before).toBe(1);
    expect(again.p.stats.dumpsFromCache).toBe(3);
  });
});

describe("the access token", () => {
  test("a known expiry that has passed fails calls as auth without calling Kite", async () => {
    const now = istEpoch("2026-11-27", "06:30");
    const { p } = provider(() => now, { expiresAt: istEpoch("2026-11-27", "06:00") });
    const before = fake.counters.requests["GET /user/profile"] ?? 0;
    const err = await p.open().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("auth");
    expect((err as ProviderError).message).toBe("kite: the access token expired at 2026-11-27T00:30:00.000Z; run `g6 kite login`");
    expect(fake.counters.requests["GET /user/profile"] ?? 0).toBe(before);
  });

  test("a token Kite refuses fails open as auth (403 TokenException)", async () => {
    const { p } = provider(() => istEpoch("2026-11-26", "10:30"), { token: "not-a-session" });
    const err = await p.open().catch((e: unknown) => e);
    expect((err as ProviderError).code).toBe("auth");
    expect((err as ProviderError).message).toContain("TokenException");
  });
});
