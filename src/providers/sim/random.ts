/**
 * Deterministic randomness for the simulator: a seeded generator for sequential draws
 * (the spot walk) and a stateless hash for per-leg noise, so that any leg's quote is a pure
 * function of (seed, index, expiry, strike, side, instant) and can be computed in any worker.
 */

const HASH_SEED = 0x9e3779b9;

/** Mixes one 32-bit integer into hash state `h` (murmur3 body step). */
export function mix(h: number, x: number): number {
  let k = Math.imul(x | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Finalises hash state into a uniform value in [0, 1) (murmur3 finaliser). */
export function unit(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** 32-bit integer hash of several integers. */
export function hashInts(...xs: number[]): number {
  let h = HASH_SEED;
  for (const x of xs) h = mix(h, x);
  return Math.floor(unit(h) * 4294967296);
}

/** Uniform in [0, 1) from a hash of the integers. */
export function hashUnit(...xs: number[]): number {
  let h = HASH_SEED;
  for (const x of xs) h = mix(h, x);
  return unit(h);
}

/** Hash state of (seed, a, b, c): the start of a per-leg hash chain in hot loops. */
export function hashState(seed: number, a: number, b: number, c: number): number {
  return mix(mix(mix(mix(HASH_SEED, seed), a), b), c);
}

/** A seeded sequential generator (mulberry32) with uniform and normal draws. */
export function createRng(seed: number): { uniform(): number; normal(): number } {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => {
    // Box–Muller; 1 − u keeps the log argument in (0, 1].
    const u = 1 - uniform();
    const w = uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w);
  };
  return { uniform, normal };
}
