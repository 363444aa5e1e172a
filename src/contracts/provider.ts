/**
 * The Provider contract: how G6 gets market data.
 *
 * The engine calls these methods from the main thread, one cycle at a time; calls of one cycle
 * may overlap (e.g. `spot` and `listExpiries`), calls of different cycles never do. A provider
 * returns data or throws a `ProviderError` with a bounded code; it never retries or sleeps on its
 * own (policy lives in the engine's running provider, src/engine/running-provider.ts). Missing
 * data is reported as missing (NaN), never filled in. Every call may get an `AbortSignal` as
 * its last argument: the call's deadline, which a provider should honour (cancel its request)
 * and may ignore (the engine stops waiting anyway).
 */
import type { ChainBatch } from "../chain/batch.ts";
import type { ComputeReport } from "./compute.ts";
import type { ErrorCode } from "./errors.ts";

/** Index level and its day statistics, points. NaN where the provider does not know. */
export type SpotQuote = {
  index: string;
  last: number;
  open: number;
  high: number;
  low: number;
  /** Previous session's close. */
  prevClose: number;
  /** Epoch ms of the quote. */
  time: number;
  /**
   * The ATM strike the source recorded with this spot (a replay: its option rows' `atm`, G6's
   * rounding of the unrounded spot). The plan takes it when it is a nearest strike to `last`: a
   * recorded 2-decimal spot on a strike midpoint would otherwise round to the other strike.
   */
  atm?: number;
};

/** One listed option contract. */
export type Instrument = {
  token: number;
  symbol: string;
  index: string;
  expiry: string;
  strike: number;
  isCall: boolean;
  lotSize: number;
};

/** What `quotes` reports besides the data it wrote into the batch. */
export type QuoteReport = {
  /** Legs for which a quote came back. */
  returned: number;
  /** Requests made (network providers) or chunks generated (simulator). */
  requests: number;
  /** Worker-pool shards and failures, when the provider's work ran on the pool. */
  compute?: ComputeReport;
  /**
   * Parts of the batch that could not be quoted while the rest was (set by the running
   * provider: one entry per failed chunk, its legs left NaN).
   */
  failures?: QuoteFailure[];
};

/** A chunk of legs that could not be quoted: which legs (and groups, in words) and why. */
export type QuoteFailure = { range: LegRange; code: ErrorCode; message: string };

/** A range of legs of a batch, [start, end) in batch leg order. */
export type LegRange = { start: number; end: number };

/**
 * What a provider can serve; every field is optional, an absent one means "no limit". The
 * engine paces, chunks and checks its plan against these (see `capabilitiesOf`).
 */
export type ProviderCapabilities = {
  /** Quote requests the provider accepts per second (e.g. 1 for Kite Connect's quote API). */
  quoteRequestsPerSecond?: number;
  /** Legs one quote request may carry (e.g. 500 for Kite Connect); the engine asks in chunks of this size. */
  legsPerRequest?: number;
  /** Whether quotes arrive over a stream rather than by request (informational for now). */
  streams?: boolean;
  /** The most legs the provider can quote in one cycle, whatever the interval. */
  maxLegsPerCycle?: number;
  /**
   * `quotes` also writes each quoted leg's IV and Greeks (iv, delta, gamma, theta, vega, rho):
   * a recording's own values. Enrichment then keeps them and derives only the forward (and the
   * failure reason of a leg whose IV is missing) instead of solving IVs from prices.
   */
  suppliesAnalytics?: boolean;
  /**
   * Whether the strike ladder around ATM is cut from the strikes the provider lists for each
   * expiry (`instruments`) rather than stepped by the index's constant strike step: a real
   * market's strikes are irregular (the step widens away from ATM) and change, and no leg may be
   * asked for a strike that is not listed. Default false.
   */
  ladderFromListing?: boolean;
};

/** Capabilities with every default filled in (Infinity: no limit). */
export type ResolvedCapabilities = Required<ProviderCapabilities>;

/** The capabilities a provider declares, defaults filled in. */
export function capabilitiesOf(provider: Pick<Provider, "capabilities">): ResolvedCapabilities {
  const c = provider.capabilities ?? {};
  return {
    quoteRequestsPerSecond: c.quoteRequestsPerSecond ?? Number.POSITIVE_INFINITY,
    legsPerRequest: c.legsPerRequest ?? Number.POSITIVE_INFINITY,
    streams: c.streams ?? false,
    maxLegsPerCycle: c.maxLegsPerCycle ?? Number.POSITIVE_INFINITY,
    suppliesAnalytics: c.suppliesAnalytics ?? false,
    ladderFromListing: c.ladderFromListing ?? false,
  };
}

/** Data age of one index's legs in a streaming provider's live table. */
export type StreamIndexHealth = {
  index: string;
  /** Legs of the last batch with a listed instrument. */
  legs: number;
  /** Milliseconds since the newest and the oldest tick of those legs (NaN: none ticked). */
  newestAgeMs: number;
  oldestAgeMs: number;
  /** Legs with no tick since their subscription (seeded or missing). */
  neverTicked: number;
};

/** A streaming provider's health, for the status document and metrics. */
export type StreamHealth = {
  /** "stream", or "rest_fallback" when streaming could not be established and REST polls instead. */
  mode: "stream" | "rest_fallback";
  /** Why the fallback, or the stream's last error; null when none. */
  reason: string | null;
  /** Connections open and instruments subscribed. */
  connections: number;
  subscribed: number;
  indices: StreamIndexHealth[];
  /** Totals since start. */
  reconnects: number;
  stalls: number;
  errorFrames: number;
  packets: number;
  seedRequests: number;
};

export interface Provider {
  readonly name: string;
  /** Limits the engine respects; absent: none. */
  readonly capabilities?: ProviderCapabilities;
  /** Connects/authenticates. Called once before the first cycle. */
  open(signal?: AbortSignal): Promise<void>;
  /** Expiries listed for the index on `today` (IST date), ascending YYYY-MM-DD. */
  listExpiries(index: string, today: string, signal?: AbortSignal): Promise<string[]>;
  /** Contracts listed for the index and expiry, ascending by strike, CE before PE. */
  instruments(index: string, expiry: string, signal?: AbortSignal): Promise<Instrument[]>;
  /** Index levels at snapshot instant `at` (epoch ms); an index it cannot quote is left out. */
  spot(indices: readonly string[], at: number, signal?: AbortSignal): Promise<SpotQuote[]>;
  /**
   * Fills the per-leg input fields (last, avg, bid, ask, volume, oi, netChange, quoteTime) of
   * every leg of `batch` in `range` (default: all legs) it can quote at instant `at`; legs it
   * cannot quote stay NaN, legs outside the range are left untouched.
   */
  quotes(batch: ChainBatch, at: number, range?: LegRange, signal?: AbortSignal): Promise<QuoteReport>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
