/**
 * The running provider's policy against a small fake provider (the Provider contract, no module
 * mocks) on a fake clock: chunking and pacing, deadlines, retries with jitter, the auth state,
 * partial results, and the capacity check.
 */
import { describe, expect, test } from "bun:test";
import { createBatch, type ChainBatch } from "../../src/chain/batch.ts";
import { checkCapacity, createRunningProvider, providerProblem, type RunningEnv, type RunningPolicy } from "../../src/engine/running-provider.ts";
import { createLatestState } from "../../src/state/index.ts";
import { capabilitiesOf, type LegRange, type Provider, type ProviderCapabilities, ProviderError, type QuoteReport } from "../../src/contracts/index.ts";

/** Fake time: `sleep` waits for `drive` to advance the clock to the earliest pending timer. */
function fakeEnv(randoms: number[] = []) {
  let t = 0;
  const timers: { at: number; fire: () => void }[] = [];
  /** Sleeps without a signal: backoffs and pacing (deadline sleeps carry one). */
  const waits: number[] = [];
  const env: RunningEnv = {
    now: () => t,
    sleep: (ms, signal) =>
      new Promise<void>((resolve) => {
        if (signal?.aborted) return resolve();
        if (!signal) waits.push(ms);
        const timer = { at: t + ms, fire: resolve };
        timers.push(timer);
        signal?.addEventListener("abort", () => {
          timers.splice(timers.indexOf(timer), 1);
          resolve();
        });
      }),
    random: () => randoms.shift() ?? 0.5,
  };
  /** Settles `p`, firing timers in time order whenever nothing else can progress. */
  async function drive<T>(p: Promise<T>): Promise<T> {
    let done = false;
    p.then(
      () => (done = true),
      () => (done = true),
    );
    for (let spins = 0; !done; spins++) {
      await new Promise((r) => setImmediate(r));
      if (done) break;
      if (!timers.length) throw new Error("nothing can progress");
      timers.sort((a, b) => a.at - b.at);
      const next = timers.shift()!;
      t = Math.max(t, next.at);
      next.fire();
    }
    return p;
  }
  return { env, waits, drive, now: () => t };
}

type Step = "ok" | ProviderError | "hang" | { error: ProviderError; scribble: true };

/** A provider quoting leg i as 100 + i; `steps` decide each quotes call in turn (then "ok"). */
function fakeProvider(clock: () => number, steps: Step[] = [], capabilities?: ProviderCapabilities) {
  const calls: { range: LegRange | undefined; at: number; signal: AbortSignal | undefined }[] = [];
  const spotCalls: number[] = [];
  const spotSteps: Step[] = [];
  const provider: Provider = {
    name: "fake",
    capabilities,
    open: async () => {},
    close: async () => {},
    listExpiries: async () => ["2026-11-27"],
    instruments: async () => [],
    async spot(indices) {
      spotCalls.push(clock());
      const step = spotSteps.shift() ?? "ok";
      if (step instanceof ProviderError) throw step;
      return indices.map((index) => ({ index, last: 1, open: 1, high: 1, low: 1, prevClose: 1, time: 0 }));
    },
    async quotes(batch: ChainBatch, at: number, range?: LegRange, signal?: AbortSignal): Promise<QuoteReport> {
      calls.push({ range, at: clock(), signal });
      const step = steps.shift() ?? "ok";
      const r = range ?? { start: 0, end: batch.legs };
      if (step === "hang") return new Promise<QuoteReport>(() => {});
      if (step instanceof ProviderError) throw step;
      for (let i = r.start; i < r.end; i++) {
        batch.last[i] = 100 + i;
        batch.quoteTime[i] = at;
      }
      if (step !== "ok") throw step.error;
      return { returned: r.end - r.start, requests: 1 };
    },
  };
  return { provider, calls, spotCalls, spotSteps };
}

/** Two groups of 10 strikes: legs 0–19 NIFTY 2026-11-27, legs 20–39 BANKNIFTY 2026-11-25. */
function batch40(): ChainBatch {
  const strikes = (lo: number, step: number) => Float64Array.from({ length: 10 }, (_, k) => lo + k * step);
  return createBatch([
    { index: "NIFTY", tag: "this_week", expiry: "2026-11-27", spot: 24_000, atm: 24_000, T: 0.02, df: 1, strikes: strikes(23_750, 50) },
    { index: "BANKNIFTY", tag: "this_month", expiry: "2026-11-25", spot: 52_000, atm: 52_000, T: 0.01, df: 1, strikes: strikes(51_500, 100) },
  ]);
}

const POLICY: RunningPolicy = { callMs: 1000, retries: 2, retryBaseMs: 200 };
const transient = () => new ProviderError("transient", "connection reset");

describe("chunking and pacing", () => {
  test("quotes are asked in chunks of legs-per-request, N requests at R/s spanning at least (N−1)/R s", async () => {
    const f = fakeEnv();
    const fake = fakeProvider(f.now, [], { legsPerRequest: 15, quoteRequestsPerSecond: 2 });
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    const b = batch40();
    const report = await f.drive(running.quotes(b, 5));
    expect(fake.calls.map((c) => c.range)).toEqual([
      { start: 0, end: 15 },
      { start: 15, end: 30 },
      { start: 30, end: 40 },
    ]);
    expect(fake.calls.map((c) => c.at)).toEqual([0, 500, 1000]);
    expect(fake.calls.at(-1)!.at - fake.calls[0]!.at).toBeGreaterThanOrEqual(((3 - 1) / 2) * 1000);
    expect(report).toEqual({ returned: 40, requests: 3 });
    expect(Array.from(b.last)).toEqual(Array.from({ length: 40 }, (_, i) => 100 + i));
  });

  test("a provider declaring no limits gets one request for the whole batch, at once", async () => {
    const f = fakeEnv();
    const fake = fakeProvider(f.now);
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    await f.drive(running.quotes(batch40(), 5));
    expect(fake.calls.map((c) => [c.range, c.at])).toEqual([[{ start: 0, end: 40 }, 0]]);
    expect(f.waits).toEqual([]);
  });
});

describe("deadline", () => {
  test("a call past its deadline fails as transient, and the provider's signal is aborted", async () => {
    const f = fakeEnv();
    const fake = fakeProvider(f.now, ["hang"]);
    const running = createRunningProvider(fake.provider, { ...POLICY, retries: 0 }, f.env);
    const report = await f.drive(running.quotes(batch40(), 5));
    expect(report.failures).toEqual([{ range: { start: 0, end: 40 }, code: "transient", message: "legs 0–39 (NIFTY 2026-11-27, BANKNIFTY 2026-11-25): fake: quotes timed out after 1000 ms" }]);
    expect(f.now()).toBe(1000);
    expect(fake.calls[0]!.signal?.aborted).toBe(true);
  });

  test("spot past its deadline rejects with a transient ProviderError", async () => {
    const f = fakeEnv();
    const fake = fakeProvider(f.now);
    fake.provider.spot = () => new Promise(() => {});
    const running = createRunningProvider(fake.provider, { ...POLICY, retries: 0 }, f.env);
    const err = await f.drive(running.spot(["NIFTY"], 0)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe("transient");
    expect((err as ProviderError).message).toBe("fake: spot timed out after 1000 ms");
  });
});

describe("retries", () => {
  test("transient: retried up to `retries` times, waits drawn in [0, base·2^k) (full jitter)", async () => {
    const f = fakeEnv([0.5, 0.999]);
    const fake = fakeProvider(f.now);
    fake.spotSteps.push(transient(), transient());
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    const out = await f.drive(running.spot(["NIFTY"], 0));
    expect(out).toHaveLength(1);
    expect(fake.spotCalls).toHaveLength(3);
    expect(f.waits[0]).toBe(0.5 * 200);
    expect(f.waits[1]).toBeCloseTo(0.999 * 400, 9);
    expect(f.waits[1]!).toBeLessThan(400);
  });

  test("rate_limited: retried, and given up after 1 + retries attempts", async () => {
    const f = fakeEnv([0, 0, 0]);
    const fake = fakeProvider(f.now);
    const limited = new ProviderError("rate_limited", "429 too many requests");
    fake.spotSteps.push(limited, limited, limited, limited);
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    await expect(f.drive(running.spot(["NIFTY"], 0))).rejects.toBe(limited);
    expect(fake.spotCalls).toHaveLength(3);
    expect(f.waits).toEqual([0, 0]);
  });

  test.each(["auth", "bad_data", "fatal", "config"] as const)("%s: never retried", async (code) => {
    const f = fakeEnv();
    const fake = fakeProvider(f.now);
    const err = new ProviderError(code, "no");
    fake.spotSteps.push(err);
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    await expect(f.drive(running.spot(["NIFTY"], 0))).rejects.toBe(err);
    expect(fake.spotCalls).toHaveLength(1);
    expect(f.waits).toEqual([]);
    expect(running.badData).toBe(code === "bad_data" ? 1 : 0);
  });
});

describe("auth", () => {
  test("an auth failure stops calls (fail fast, same error) until reset; readiness names it", async () => {
    const f = fakeEnv();
    const fake = fakeProvider(f.now);
    const denied = new ProviderError("auth", "token expired");
    fake.spotSteps.push(denied);
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    const obs = createLatestState({ now: () => 0, providerOpen: () => true, providerProblem: () => providerProblem(running) });
    await expect(f.drive(running.spot(["NIFTY"], 0))).rejects.toBe(denied);
    await expect(f.drive(running.spot(["NIFTY"], 0))).rejects.toBe(denied);
    await expect(f.drive(running.listExpiries("NIFTY", "2026-11-20"))).rejects.toBe(denied);
    const report = await f.drive(running.quotes(batch40(), 5));
    expect(fake.spotCalls).toHaveLength(1);
    expect(fake.calls).toHaveLength(0);
    expect(report.failures).toEqual([{ range: { start: 0, end: 40 }, code: "auth", message: "legs 0–39 (NIFTY 2026-11-27, BANKNIFTY 2026-11-25): token expired" }]);
    expect(obs.readiness().reasons).toContain("provider auth failed: token expired");
    running.reset();
    expect(running.authFailure).toBeNull();
    expect(await f.drive(running.spot(["NIFTY"], 0))).toHaveLength(1);
    expect(fake.spotCalls).toHaveLength(2);
    expect(obs.readiness().reasons.some((r) => r.startsWith("provider auth failed"))).toBe(false);
  });

  test("auth in a middle chunk: later chunks are not asked, one failure covers the rest", async () => {
    const f = fakeEnv();
    const fake = fakeProvider(f.now, ["ok", new ProviderError("auth", "token expired")], { legsPerRequest: 15 });
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    const b = batch40();
    const report = await f.drive(running.quotes(b, 5));
    expect(fake.calls).toHaveLength(2);
    expect(report.failures).toEqual([{ range: { start: 15, end: 40 }, code: "auth", message: "legs 15–39 (NIFTY 2026-11-27, BANKNIFTY 2026-11-25): token expired" }]);
    expect(Array.from(b.last.subarray(15)).every(Number.isNaN)).toBe(true);
  });
});

describe("partial results", () => {
  test("a failed chunk leaves exactly its legs NaN (even what the provider wrote), the others are filled, the failure names the chunk", async () => {
    const f = fakeEnv();
    const steps: Step[] = ["ok", { error: new ProviderError("bad_data", "malformed depth"), scribble: true }, "ok"];
    const fake = fakeProvider(f.now, steps, { legsPerRequest: 15 });
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    const b = batch40();
    const report = await f.drive(running.quotes(b, 5));
    const filled = (i: number) => !Number.isNaN(b.last[i]!) && !Number.isNaN(b.quoteTime[i]!);
    expect(Array.from({ length: 40 }, (_, i) => filled(i))).toEqual(Array.from({ length: 40 }, (_, i) => i < 15 || i >= 30));
    expect(report.returned).toBe(25);
    expect(report.failures).toEqual([{ range: { start: 15, end: 30 }, code: "bad_data", message: "legs 15–29 (NIFTY 2026-11-27, BANKNIFTY 2026-11-25): malformed depth" }]);
    expect(running.badData).toBe(1);
    expect(fake.calls).toHaveLength(3);
  });

  test("two chunks failing after retries give two failures; a fatal chunk is rethrown", async () => {
    const f = fakeEnv();
    const t = transient();
    const fake = fakeProvider(f.now, [t, t, "ok", t, t], { legsPerRequest: 15 });
    const running = createRunningProvider(fake.provider, { ...POLICY, retries: 1 }, f.env);
    const report = await f.drive(running.quotes(batch40(), 5));
    expect(report.failures?.map((x) => [x.range.start, x.range.end, x.code])).toEqual([
      [0, 15, "transient"],
      [30, 40, "transient"],
    ]);
    const fatal = new ProviderError("fatal", "API retired");
    const dead = createRunningProvider(fakeProvider(f.now, [fatal]).provider, POLICY, f.env);
    await expect(f.drive(dead.quotes(batch40(), 5))).rejects.toBe(fatal);
  });
});

describe("capacity check", () => {
  const kite = capabilitiesOf({ capabilities: { quoteRequestsPerSecond: 1, legsPerRequest: 500 } });

  test("universe mode on a 1 request/s, 500 legs/request API with a 60 s interval is refused, naming the limit", () => {
    expect(checkCapacity(kite, 106_000, 60)).toBe(
      "the plan needs about 106000 legs a cycle: 213 requests (1 spot + 212 quote requests of 500 legs) at 1 requests/s take 213 s, more than the 60 s interval (at most 29500 legs a cycle)",
    );
  });

  test("a plan within the limits, back-to-back cycles, and a provider without limits pass", () => {
    expect(checkCapacity(kite, 29_500, 60)).toBeNull();
    // The cycle's spot quote is a request too: 60 quote requests and the spot do not fit in 60 s.
    expect(checkCapacity(kite, 30_000, 60)).toContain("61 requests (1 spot + 60 quote requests of 500 legs)");
    expect(checkCapacity(kite, 106_000, 0)).toBeNull();
    expect(checkCapacity(capabilitiesOf({}), 1_000_000, 1)).toBeNull();
  });

  test("more legs than the provider serves a cycle is refused whatever the interval", () => {
    const capped = capabilitiesOf({ capabilities: { maxLegsPerCycle: 3000 } });
    expect(checkCapacity(capped, 3001, 0)).toBe("the plan needs about 3001 legs a cycle; the provider serves at most 3000 legs a cycle");
  });
});

describe("the quote family shares one bucket", () => {
  test("spot and quote requests together are paced at the rate, each spaced from the previous answer", async () => {
    const f = fakeEnv();
    const fake = fakeProvider(f.now, [], { legsPerRequest: 20, quoteRequestsPerSecond: 1 });
    // Each spot answer takes 300 ms: the next request waits 1 s from that answer.
    const slowSpot = fake.provider.spot.bind(fake.provider);
    fake.provider.spot = async (indices, at) => {
      const out = await slowSpot(indices, at);
      await f.env.sleep(300);
      return out;
    };
    const running = createRunningProvider(fake.provider, POLICY, f.env);
    await f.drive(running.spot(["NIFTY"], 0));
    await f.drive(running.quotes(batch40(), 5));
    await f.drive(running.spot(["NIFTY"], 0));
    expect(fake.spotCalls).toEqual([0, 3300]);
    expect(fake.calls.map((c) => c.at)).toEqual([1300, 2300]);
  });
});
