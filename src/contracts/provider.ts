/**
 * The Provider contract: how G6 gets market data.
 *
 * The engine calls these methods from the main thread, one cycle at a time; calls of one cycle
 * may overlap (e.g. `spot` and `listExpiries`), calls of different cycles never do. A provider
 * returns data or throws a `ProviderError` with a bounded code; it never retries or sleeps on its
 * own (policy lives in the engine). Missing data is reported as missing (NaN), never filled in.
 */
import type { ChainBatch } from "../chain/batch.ts";
import type { ComputeReport } from "./compute.ts";

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
};

export interface Provider {
  readonly name: string;
  /** Connects/authenticates. Called once before the first cycle. */
  open(): Promise<void>;
  /** Expiries listed for the index on `today` (IST date), ascending YYYY-MM-DD. */
  listExpiries(index: string, today: string): Promise<string[]>;
  /** Contracts listed for the index and expiry, ascending by strike, CE before PE. */
  instruments(index: string, expiry: string): Promise<Instrument[]>;
  /** Index levels at snapshot instant `at` (epoch ms); an index it cannot quote is left out. */
  spot(indices: readonly string[], at: number): Promise<SpotQuote[]>;
  /**
   * Fills the per-leg input fields (last, avg, bid, ask, volume, oi, netChange, quoteTime) of
   * every leg of `batch` it can quote at instant `at`; legs it cannot quote stay NaN.
   */
  quotes(batch: ChainBatch, at: number): Promise<QuoteReport>;
  /** Releases connections. Idempotent. */
  close(): Promise<void>;
}
