/**
 * Provider factories and their registry. `provider.kind` names a factory; the factory builds
 * the provider and the clock of its snapshot instants (the simulator's session clock; a live
 * provider's is the wall clock of wall-clock.ts) and says which market hours it follows. The list of factories is composed in src/app.ts, so
 * the engine never names a provider and a new provider is one folder plus one entry.
 */
import type { G6Config } from "../config/schema.ts";
import { ConfigError } from "../config/errors.ts";
import type { ComputePort, Provider, StreamHealth } from "../contracts/index.ts";
import type { Exchange, MarketCalendar } from "../market/index.ts";

/** The instants the engine stamps its snapshots with, epoch ms. */
export type SnapshotClock = {
  /** The first instant `next` returns, epoch ms (known before the first cycle, for start-up checks). */
  readonly startsAt: number;
  /**
   * The instant of the next snapshot, epoch ms; null when there is none (a recording replayed to
   * its end): the engine then ends the run as if it had run its cycles (flushes, exit 0).
   */
  next(): number | null;
  /**
   * Wall milliseconds to wait before the next snapshot (a replay paced at a real-time factor),
   * called before each `next()`; the engine sleeps that long on top of the interval's schedule.
   * Absent: no wait of its own.
   */
  delayMs?(): number;
};

/** What every provider factory is handed. */
export type ProviderDeps = {
  config: Readonly<G6Config>;
  /** Sessions (open, close, trading days). */
  calendar: MarketCalendar;
  /** Per-exchange calendars (expiry listings roll on an index's options exchange). */
  calendars: Readonly<Record<Exchange, MarketCalendar>>;
  /** Where CPU-heavy provider work may run (the worker pool, or inline). */
  compute: ComputePort;
  /** The wall clock, epoch ms. */
  now: () => number;
  /** The interval in force (after config reloads), ms; 0 = back to back. */
  intervalMs: () => number;
  /** Where a provider reports what it found while setting up (a replay's file quirks); absent: nowhere. */
  log?: { info(message: string): void; warn(message: string): void };
  /** The running config after reloads (reloadable settings such as a new access token); defaults to `config`. */
  currentConfig?: () => Readonly<G6Config>;
};

/**
 * Which market hours a provider follows. "wall": the real market, now (a live provider); the
 * engine then runs cycles only in the session of the calendar (and at its close), idles outside
 * it until the next open, and reports the market state (unless `market.force_open`). "own": the
 * provider brings its own session (the simulator's session clock), so the engine never idles.
 */
export type MarketHours = "wall" | "own";

/**
 * What a factory builds: the provider, the clock of its snapshot instants and the hours it
 * follows; a provider with credentials that change while it runs (a daily access token) also
 * gives `credentials`, a fingerprint of those in force: when it changes, the engine lets calls
 * reach a provider whose credentials were refused again (see RunningProvider.reset).
 */
export type MadeProvider = {
  provider: Provider;
  snapshotClock: SnapshotClock;
  market: MarketHours;
  credentials?: () => string;
  /** A streaming provider's health at wall time `now` (status and metrics); absent: not streaming. */
  health?: (now: number) => StreamHealth;
};

/** How a factory sizes a plan before the first cycle (for the capacity check at start). */
export type PlanEstimate = {
  /** Legs a cycle will ask for. */
  legs: number;
  /** The expiries planned on the start date, for calendar coverage warnings (empty when unknown before the provider lists them). */
  planned: { index: string; expiry: string }[];
};

export type ProviderFactory = {
  /** The `provider.kind` value that selects this factory. */
  readonly kind: string;
  /** A live provider returns `{ provider, snapshotClock: createWallClock(…), market: "wall" }` (see wall-clock.ts). */
  create(deps: ProviderDeps): MadeProvider;
  /**
   * The plan's size from config alone, before anything is listed; throws a ConfigError for a plan
   * the provider refuses outright (e.g. universe mode on a rate-limited API). Absent: the
   * simulator's listing rules estimate it (src/app.ts).
   */
  estimate?(config: Readonly<G6Config>): PlanEstimate;
};

export type ProviderRegistry = {
  /** The registered kinds, in registration order. */
  readonly kinds: readonly string[];
  /** The factory for `kind`; a ConfigError naming the known kinds when there is none. */
  get(kind: string): ProviderFactory;
};

/** A registry over `factories`; two factories of one kind are a programming error. */
export function createProviderRegistry(factories: readonly ProviderFactory[]): ProviderRegistry {
  const byKind = new Map<string, ProviderFactory>();
  for (const f of factories) {
    if (byKind.has(f.kind)) throw new Error(`provider kind ${f.kind} registered twice`);
    byKind.set(f.kind, f);
  }
  const kinds = [...byKind.keys()];
  return {
    kinds,
    get(kind) {
      const f = byKind.get(kind);
      if (!f) throw new ConfigError([`provider.kind: no provider of kind "${kind}" (known: ${kinds.join(", ")})`]);
      return f;
    },
  };
}
