/**
 * Fetching the chain legs (analytics.scope "chain"): the listed strikes of each collected expiry
 * outside the ladder, through the same running provider as the ladder (chunked and paced by it),
 * after the ladder's fetch so the CSV rows never wait on them.
 *
 * Before asking, the ladder and chain legs together are checked against the provider's capacity
 * in one interval (checkCapacity: Kite REST serves 500 legs a request, 1 request a second); a
 * cycle that would not fit skips the chain legs, says so in a warning, and its aggregates stay on
 * the ladder (each expiry's `scope` is "window" and its coverage is the ladder's).
 */
import { rejectInvalidQuotes, type ChainBatch, type GroupSpec } from "../chain/batch.ts";
import { createChainLegs } from "../chain/chain-legs.ts";
import type { G6Config } from "../config/schema.ts";
import { capabilitiesOf, type Provider, type QuoteFailure } from "../contracts/index.ts";
import { checkCapacity } from "./running-provider.ts";

export type ChainFetch = {
  /** The chain legs, group g beside the ladder batch's group g. */
  batch: ChainBatch;
  /** Groups whose listing was known (their chain legs are in `batch`, possibly none). */
  groups: Set<number>;
  /** Chunks that failed while the rest was quoted. */
  failures: QuoteFailure[];
  /** The error that stopped the whole fetch (its legs stay NaN), or null. */
  error: unknown;
  /** Why the chain legs were not fetched this cycle, or null. */
  skipped: string | null;
};

/**
 * Plans and fetches the chain legs of the ladder's `groups` (`listedStrikes` keyed
 * `${index}|${expiry}`); `ladderLegs` is what the cycle already asked for.
 */
export async function fetchChainLegs(
  provider: Provider,
  config: Readonly<G6Config>,
  groups: readonly GroupSpec[],
  listedStrikes: ReadonlyMap<string, Float64Array>,
  ladderLegs: number,
  at: number,
  create?: (specs: readonly GroupSpec[]) => ChainBatch,
): Promise<ChainFetch> {
  const known = new Set<number>();
  // A listing that is unknown or empty (a provider that lists no instruments) leaves the expiry on the ladder.
  groups.forEach((g, i) => {
    if ((listedStrikes.get(`${g.index}|${g.expiry}`)?.length ?? 0) > 0) known.add(i);
  });
  const batch = createChainLegs(groups, listedStrikes, create);
  const out: ChainFetch = { batch, groups: known, failures: [], error: null, skipped: null };
  if (batch.legs === 0) return out;
  const beyond = checkCapacity(capabilitiesOf(provider), ladderLegs + batch.legs, config.interval);
  if (beyond) {
    out.groups = new Set();
    // A stable text (no counts): warnings are compared cycle to cycle, a new one is a state change.
    out.skipped = 'analytics.scope "chain": the listed strikes outside the ladder do not fit in one interval at the provider\'s quote rate with the ladder; they are not fetched and the aggregates are on the ladder (set analytics.scope "window", or a longer interval)';
    return out;
  }
  try {
    const report = await provider.quotes(batch, at);
    out.failures = report.failures ?? [];
  } catch (err) {
    out.error = err;
  }
  rejectInvalidQuotes(batch);
  return out;
}
