import type { Provider } from "../contracts/index.ts";
/**
 * Per-day cache of listed strikes per (index, expiry), from the provider's instrument list
 * (regenerated daily by exchanges). Used by the universe collection mode.
 */

export type ListingCache = {
  /** Ascending unique strikes listed for the expiry on `date`. */
  strikes(provider: Provider, index: string, expiry: string, date: string): Promise<Float64Array>;
};

export function createListingCache(): ListingCache {
  let day = "";
  const cache = new Map<string, Float64Array>();
  return {
    async strikes(provider, index, expiry, date) {
      if (date !== day) {
        cache.clear();
        day = date;
      }
      const key = `${index}|${expiry}`;
      let strikes = cache.get(key);
      if (!strikes) {
        const unique = new Set<number>();
        for (const inst of await provider.instruments(index, expiry)) unique.add(inst.strike);
        strikes = Float64Array.from([...unique].sort((a, b) => a - b));
        cache.set(key, strikes);
      }
      return strikes;
    },
  };
}
