/**
 * The Provider conformance suite: the same cases for every implementation of
 * src/contracts/provider.ts. An implementation plugs in with one test file that calls
 * `providerConformance(name, factory, { lacks })`; `lacks` names the capabilities it does not
 * have (their cases are skipped, and listed as skipped by the runner).
 *
 * The cases call the provider in the engine's order: `spot` before `instruments` and `quotes`
 * of an index (a provider may derive its listing from the session's first quote).
 */
import { describe, expect, test } from "bun:test";
import { createBatch, LEG_INPUT_FIELDS, type ChainBatch } from "../../src/chain/batch.ts";
import { ERROR_CODES, type Instrument, type Provider, ProviderError } from "../../src/contracts/index.ts";
import { istDate } from "../../src/market/index.ts";

/** What an implementation may not support; its cases are skipped. */
export type ProviderCapability =
  /** Two providers from the same seed return the same data for the same calls. */
  | "deterministic"
  /** The fixture can give a provider whose upstream fails (`failing`). */
  | "upstream_failure";

export type ProviderFixture = {
  provider: Provider;
  /** A snapshot instant inside a trading session, epoch ms. */
  at: number;
  /** Indices the provider can quote at `at` (at least one). */
  indices: string[];
  /** A name the provider cannot quote or list (e.g. "NOSUCHINDEX"). */
  unknownIndex: string;
  /** A provider whose upstream fails every call (e.g. a loopback server answering 500). */
  failing?: () => Provider;
};

/** Builds a fresh fixture; `seed` is used by deterministic providers (default: the provider's own). */
export type ProviderFactory = (seed?: number) => ProviderFixture | Promise<ProviderFixture>;

export type ProviderConformanceOptions = { lacks: readonly ProviderCapability[] };

/** Asserts that `call` rejects with a ProviderError whose code is in the bounded list. */
async function expectProviderError(call: () => Promise<unknown>): Promise<ProviderError> {
  let caught: unknown = null;
  try {
    await call();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(ProviderError);
  const err = caught as ProviderError;
  expect(ERROR_CODES as readonly string[]).toContain(err.code);
  return err;
}

/** A batch of one group around the spot: `pairs` listed strikes around ATM plus one strike not listed, past the top. */
function batchWithUnlisted(index: string, expiry: string, spot: number, listed: Instrument[], pairs: number): { batch: ChainBatch; unlisted: number } {
  const strikes = [...new Set(listed.map((i) => i.strike))];
  const atmAt = strikes.reduce((best, k, i) => (Math.abs(k - spot) < Math.abs(strikes[best]! - spot) ? i : best), 0);
  const lo = Math.max(0, atmAt - Math.floor(pairs / 2));
  const chosen = strikes.slice(lo, lo + pairs);
  const step = strikes.length > 1 ? strikes[1]! - strikes[0]! : 100;
  // Far past the highest listed strike: no listing has it.
  const unlisted = strikes.at(-1)! + 1000 * step;
  const T = 7 / 365;
  const batch = createBatch([{ index, tag: expiry, expiry, spot, atm: strikes[atmAt]!, T, df: Math.exp(-0.065 * T), strikes: [...chosen, unlisted] }]);
  return { batch, unlisted };
}

export function providerConformance(name: string, factory: ProviderFactory, opts: ProviderConformanceOptions): void {
  const has = (c: ProviderCapability) => !opts.lacks.includes(c);
  // A case for a capability the implementation declares it lacks is not registered (rather than
  // skipped): the run's counts then hold only cases that ran.
  const testIf = (c: ProviderCapability) => (has(c) ? test : ((() => undefined) as unknown as typeof test));

  describe(`provider conformance: ${name}`, () => {
    test("open, then close twice: close is idempotent", async () => {
      const { provider } = await factory();
      expect(provider.name.length).toBeGreaterThan(0);
      await provider.open();
      await provider.close();
      await provider.close();
    });

    test("listExpiries: ascending ISO dates, none before today", async () => {
      const { provider, at, indices } = await factory();
      await provider.open();
      const today = istDate(at);
      for (const index of indices) {
        const expiries = await provider.listExpiries(index, today);
        expect(expiries.length).toBeGreaterThan(0);
        for (const e of expiries) expect(e).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        expect(expiries[0]! >= today).toBe(true);
        expect([...expiries].sort()).toEqual(expiries);
        expect(new Set(expiries).size).toBe(expiries.length);
      }
      await provider.close();
    });

    test("instruments: ascending by strike, CE before PE, of the asked index and expiry", async () => {
      const { provider, at, indices } = await factory();
      await provider.open();
      const today = istDate(at);
      await provider.spot(indices, at);
      for (const index of indices) {
        const expiry = (await provider.listExpiries(index, today))[0]!;
        const list = await provider.instruments(index, expiry);
        expect(list.length).toBeGreaterThan(1);
        for (let i = 1; i < list.length; i++) {
          const a = list[i - 1]!;
          const b = list[i]!;
          // Ascending strike; within a strike the call comes first.
          expect(a.strike < b.strike || (a.strike === b.strike && a.isCall && !b.isCall)).toBe(true);
        }
        for (const inst of list) {
          expect(inst.index).toBe(index);
          expect(inst.expiry).toBe(expiry);
          expect(inst.lotSize).toBeGreaterThan(0);
          expect(inst.symbol.endsWith(inst.isCall ? "CE" : "PE")).toBe(true);
        }
        expect(new Set(list.map((i) => i.token)).size).toBe(list.length);
      }
      await provider.close();
    });

    test("spot: quotes the known indices, leaves out one it cannot quote (never invents one)", async () => {
      const { provider, at, indices, unknownIndex } = await factory();
      await provider.open();
      const quotes = await provider.spot([...indices, unknownIndex], at);
      expect(quotes.map((q) => q.index).sort()).toEqual([...indices].sort());
      for (const q of quotes) {
        expect(q.last).toBeGreaterThan(0);
        // Day statistics are numbers or NaN (unknown), never a zero made up to fill the gap.
        for (const x of [q.open, q.high, q.low, q.prevClose]) expect(Number.isNaN(x) || x > 0).toBe(true);
        if (!Number.isNaN(q.high) && !Number.isNaN(q.low)) expect(q.low <= q.last && q.last <= q.high).toBe(true);
      }
      await provider.close();
    });

    test("quotes: fills the legs it can, a strike not listed stays NaN; returned counts the quoted legs", async () => {
      const { provider, at, indices } = await factory();
      await provider.open();
      const index = indices[0]!;
      const spot = (await provider.spot([index], at))[0]!.last;
      const expiry = (await provider.listExpiries(index, istDate(at)))[0]!;
      const { batch, unlisted } = batchWithUnlisted(index, expiry, spot, await provider.instruments(index, expiry), 10);
      const report = await provider.quotes(batch, at);
      let quoted = 0;
      for (let i = 0; i < batch.legs; i++) {
        if (batch.strike[i] === unlisted) {
          for (const f of LEG_INPUT_FIELDS) if (f !== "strike") expect([f, batch[f][i]]).toEqual([f, Number.NaN]);
          continue;
        }
        if (!Number.isNaN(batch.quoteTime[i]!)) quoted++;
      }
      // Most legs near the money are quoted (a provider may miss a few).
      expect(quoted).toBeGreaterThan((batch.legs - 2) / 2);
      expect(report.returned).toBe(quoted);
      expect(report.requests).toBeGreaterThan(0);
      await provider.close();
    });

    test("errors: an index it does not know is an empty answer or a ProviderError with a bounded code", async () => {
      const { provider, at, unknownIndex } = await factory();
      await provider.open();
      for (const call of [() => provider.listExpiries(unknownIndex, istDate(at)), () => provider.instruments(unknownIndex, istDate(at))]) {
        const out = await call().catch((err: unknown) => err);
        if (Array.isArray(out)) expect(out).toEqual([]);
        else await expectProviderError(() => Promise.reject(out));
      }
      await provider.close();
    });

    testIf("upstream_failure")("errors: a failing upstream makes every call throw a ProviderError with a bounded code", async () => {
      const { at, indices, failing } = await factory();
      const provider = failing!();
      await expectProviderError(async () => {
        await provider.open();
        await provider.spot(indices, at);
      });
      await provider.close();
    });

    testIf("deterministic")("deterministic: the same seed gives the same spot, listing and quotes; another seed another spot", async () => {
      const run = async (seed: number) => {
        const { provider, at, indices } = await factory(seed);
        await provider.open();
        const spots = await provider.spot(indices, at);
        const index = indices[0]!;
        const expiry = (await provider.listExpiries(index, istDate(at)))[0]!;
        const list = await provider.instruments(index, expiry);
        const { batch } = batchWithUnlisted(index, expiry, spots[0]!.last, list, 6);
        await provider.quotes(batch, at);
        await provider.close();
        return { spots, list, last: [...batch.last], oi: [...batch.oi] };
      };
      const a = await run(7);
      expect(await run(7)).toEqual(a);
      expect((await run(8)).spots[0]!.last).not.toBe(a.spots[0]!.last);
    });
  });
}
