/**
 * The running provider: the policy around any Provider, written once so providers stay small
 * (they fetch and classify errors; they never wait, retry or chunk).
 *
 * - every call gets a deadline (an AbortSignal handed to the provider, and a race: a call past
 *   it fails as `transient` "… timed out after N ms");
 * - `transient` and `rate_limited` failures are retried a bounded number of times with
 *   exponential backoff and full jitter; `auth`, `bad_data`, `fatal`, `config` never are;
 * - `auth` puts it in an "auth failed" state: every later call fails fast with that error (the
 *   provider is not called) until `reset()`;
 * - `quotes` is cut into chunks of the provider's legs-per-request, paced by a token bucket at
 *   its requests per second; a chunk that still fails leaves exactly its legs NaN, is reported in
 *   `QuoteReport.failures`, and the other chunks proceed. A `fatal` failure is rethrown.
 * - `spot` takes from the same bucket: a provider's quote rate limit covers the whole quote
 *   family (Kite quotes indices with the same /quote), so spots and legs together never exceed
 *   it. Each attempt (retries included) takes a token.
 * - The bucket spaces a request 1/rate after the previous one was sent AND after its answer came
 *   back: the server counts requests when they arrive, and two requests sent exactly 1/rate
 *   apart may arrive closer than that (the first delayed on the way), which is a 429 in normal
 *   operation. A request arrives before its answer leaves, so spacing from the answer cannot
 *   be undercut by network jitter; it costs one round trip per request.
 *
 * Time, sleeping and randomness are injected (RunningEnv) so tests run on a fake clock.
 */
import { type ChainBatch, LEG_INPUT_FIELDS } from "../chain/batch.ts";
import type { G6Config } from "../config/schema.ts";
import {
  capabilitiesOf,
  type ComputeReport,
  errorMessage,
  type ErrorCode,
  type LegRange,
  type Provider,
  ProviderError,
  type QuoteFailure,
  type QuoteReport,
  type ResolvedCapabilities,
} from "../contracts/index.ts";

export type RunningPolicy = {
  /** Deadline of one call (one attempt), ms. */
  callMs: number;
  /** Retries after the first attempt, for `transient` and `rate_limited` only. */
  retries: number;
  /** Backoff base, ms: retry k (0-based) waits random·base·2^k. */
  retryBaseMs: number;
};

export type RunningEnv = {
  /** Monotonic milliseconds. */
  now: () => number;
  /** Resolves after `ms` milliseconds, or as soon as `signal` aborts. */
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
};

export type RunningProvider = Provider & {
  /** The auth error that stopped calls to the provider, or null. */
  readonly authFailure: ProviderError | null;
  /** `bad_data` failures so far (the data stays missing; never retried). */
  readonly badData: number;
  /** Leaves the auth-failed state (credentials changed): the next call reaches the provider again. */
  reset(): void;
};

/** The readiness reason of a running provider whose credentials were refused, or null. */
export function providerProblem(p: RunningProvider): string | null {
  return p.authFailure ? `provider auth failed: ${p.authFailure.message}` : null;
}

/** The codes worth another attempt. */
const RETRIED: ReadonlySet<ErrorCode> = new Set(["transient", "rate_limited"]);
/** Quote fields a failed chunk is reset to NaN (whatever the provider wrote before failing). */
const QUOTE_FIELDS = LEG_INPUT_FIELDS.filter((f) => f !== "strike");
/** Groups named in a chunk's description; the rest are counted. */
const NAMED_GROUPS = 3;

/** The policy settings of `provider.timeouts`. */
export function runningPolicy(config: Readonly<G6Config>): RunningPolicy {
  const t = config.provider.timeouts;
  return { callMs: t.call_ms, retries: t.retries, retryBaseMs: t.retry_base_ms };
}

/** Real time: performance.now, cancellable timers, Math.random. */
export const systemRunningEnv: RunningEnv = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
    }),
  random: Math.random,
};

/** The wait before retry `k` (0-based), ms: full jitter over [0, base·2^k). */
export function backoffMs(k: number, baseMs: number, random: () => number): number {
  return random() * baseMs * 2 ** k;
}

/**
 * Paces requests at `perSecond` with a bucket of one token (no bursts): `take` waits until 1/rate
 * after the previous take and after the previous `done` (the request's answer, or its failure).
 */
export function createTokenBucket(perSecond: number, env: Pick<RunningEnv, "now" | "sleep">): { take(): Promise<void>; done(): void } {
  const spacingMs = 1000 / perSecond;
  const paced = Number.isFinite(spacingMs) && spacingMs > 0;
  let nextAt = Number.NEGATIVE_INFINITY;
  return {
    async take() {
      if (!paced) return;
      const now = env.now();
      const at = Math.max(now, nextAt);
      nextAt = at + spacingMs;
      if (at > now) await env.sleep(at - now);
    },
    done() {
      if (paced) nextAt = Math.max(nextAt, env.now() + spacingMs);
    },
  };
}

/** `range` cut into consecutive ranges of at most `size` legs (Infinity: one range). */
export function chunkRanges(range: LegRange, size: number): LegRange[] {
  const out: LegRange[] = [];
  const step = Number.isFinite(size) && size >= 1 ? Math.floor(size) : Math.max(1, range.end - range.start);
  for (let s = range.start; s < range.end; s += step) out.push({ start: s, end: Math.min(range.end, s + step) });
  return out;
}

/** "legs 500–999 (NIFTY 2026-11-27, BANKNIFTY 2026-11-25)": the legs and the groups they belong to. */
export function describeRange(batch: ChainBatch, r: LegRange): string {
  if (r.end <= r.start) return `legs ${r.start}–${r.end - 1}`;
  const g0 = batch.group[r.start]!;
  const g1 = batch.group[r.end - 1]!;
  const names: string[] = [];
  for (let g = g0; g <= Math.min(g1, g0 + NAMED_GROUPS - 1); g++) names.push(`${batch.labels.index[g]} ${batch.labels.expiry[g]}`);
  const more = g1 - g0 + 1 - names.length;
  return `legs ${r.start}–${r.end - 1} (${names.join(", ")}${more > 0 ? `, +${more} more` : ""})`;
}

/**
 * Whether a provider with `caps` can serve `legsPerCycle` legs every `intervalSeconds` (0:
 * back to back, no time bound): the quote requests plus the cycle's one spot request, paced at
 * the provider's rate, must fit in the interval. Returns the reason it cannot, naming the
 * limit, or null.
 */
export function checkCapacity(caps: ResolvedCapabilities, legsPerCycle: number, intervalSeconds: number): string | null {
  if (legsPerCycle > caps.maxLegsPerCycle) {
    return `the plan needs about ${legsPerCycle} legs a cycle; the provider serves at most ${caps.maxLegsPerCycle} legs a cycle`;
  }
  if (intervalSeconds <= 0 || !Number.isFinite(caps.quoteRequestsPerSecond)) return null;
  // The spot quote of a cycle is one more request of the same paced family.
  const quoteRequests = Number.isFinite(caps.legsPerRequest) ? Math.ceil(legsPerCycle / caps.legsPerRequest) : 1;
  const requests = quoteRequests + 1;
  const seconds = requests / caps.quoteRequestsPerSecond;
  if (seconds <= intervalSeconds) return null;
  const per = Number.isFinite(caps.legsPerRequest) ? ` of ${caps.legsPerRequest} legs` : "";
  const most = Math.max(0, Math.floor(intervalSeconds * caps.quoteRequestsPerSecond) - 1) * caps.legsPerRequest;
  return (
    `the plan needs about ${legsPerCycle} legs a cycle: ${requests} requests (1 spot + ${quoteRequests} quote requests${per}) at ${caps.quoteRequestsPerSecond} requests/s take ` +
    `${seconds.toFixed(0)} s, more than the ${intervalSeconds} s interval (at most ${most} legs a cycle)`
  );
}

const codeOf = (err: unknown): ErrorCode | null => (err instanceof ProviderError ? err.code : null);

function mergeCompute(a: ComputeReport | undefined, b: ComputeReport | undefined): ComputeReport | undefined {
  if (!a || !b) return a ?? b;
  return { shards: a.shards + b.shards, events: [...a.events, ...b.events] };
}

export function createRunningProvider(provider: Provider, policy: RunningPolicy, env: RunningEnv = systemRunningEnv): RunningProvider {
  const caps = capabilitiesOf(provider);
  const bucket = createTokenBucket(caps.quoteRequestsPerSecond, env);
  let authFailure: ProviderError | null = null;
  let badData = 0;

  /** One attempt of `call` against the deadline; the provider gets the deadline as a signal. */
  async function withDeadline<T>(what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const deadline = new AbortController();
    const settled = new AbortController();
    const work = Promise.resolve().then(() => call(deadline.signal));
    // A call that settles after its deadline has nobody waiting for it.
    work.catch(() => {});
    const timeout = env.sleep(policy.callMs, settled.signal).then((): never => {
      if (settled.signal.aborted) return undefined as never;
      deadline.abort();
      throw new ProviderError("transient", `${provider.name}: ${what} timed out after ${policy.callMs} ms`);
    });
    timeout.catch(() => {});
    try {
      return await Promise.race([work, timeout]);
    } finally {
      settled.abort();
    }
  }

  /** `call` with deadline and retries; `paced`: each attempt takes a token of the bucket, and returns it when it ends. */
  async function attempt<T>(what: string, call: (signal: AbortSignal) => Promise<T>, paced = false): Promise<T> {
    for (let k = 0; ; k++) {
      if (authFailure) throw authFailure;
      if (paced) await bucket.take();
      try {
        const out = await withDeadline(what, call);
        if (paced) bucket.done();
        return out;
      } catch (err) {
        if (paced) bucket.done();
        const code = codeOf(err);
        if (code === "auth") {
          authFailure ??= err as ProviderError;
          throw authFailure;
        }
        if (code === "bad_data") badData++;
        if (code === null || !RETRIED.has(code) || k >= policy.retries) throw err;
        await env.sleep(backoffMs(k, policy.retryBaseMs, env.random));
      }
    }
  }

  async function quotes(batch: ChainBatch, at: number, range?: LegRange): Promise<QuoteReport> {
    const whole = range ?? { start: 0, end: batch.legs };
    const report: QuoteReport = { returned: 0, requests: 0 };
    const failures: QuoteFailure[] = [];
    for (const r of chunkRanges(whole, caps.legsPerRequest)) {
      try {
        const part = await attempt("quotes", (signal) => provider.quotes(batch, at, r, signal), true);
        report.returned += part.returned;
        report.requests += part.requests;
        const compute = mergeCompute(report.compute, part.compute);
        if (compute) report.compute = compute;
      } catch (err) {
        if (codeOf(err) === "fatal") throw err;
        const code = codeOf(err) ?? "fatal";
        // Once auth failed, no later chunk reaches the provider: one failure covers the rest.
        const failed = code === "auth" ? { start: r.start, end: whole.end } : r;
        for (const f of QUOTE_FIELDS) batch[f].fill(Number.NaN, failed.start, failed.end);
        failures.push({ range: failed, code, message: `${describeRange(batch, failed)}: ${errorMessage(err)}` });
        if (code === "auth") break;
      }
    }
    if (failures.length) report.failures = failures;
    return report;
  }

  return {
    name: provider.name,
    capabilities: provider.capabilities,
    get authFailure() {
      return authFailure;
    },
    get badData() {
      return badData;
    },
    reset() {
      authFailure = null;
    },
    open: () => attempt("open", (signal) => provider.open(signal)),
    listExpiries: (index, today) => attempt("listExpiries", (signal) => provider.listExpiries(index, today, signal)),
    instruments: (index, expiry) => attempt("instruments", (signal) => provider.instruments(index, expiry, signal)),
    spot: (indices, at) => attempt("spot", (signal) => provider.spot(indices, at, signal), true),
    quotes,
    // Closing is always attempted (also after an auth failure), once, within the deadline.
    close: () => withDeadline("close", () => provider.close()),
  };
}
