/**
 * The latest state of a running G6: one immutable snapshot per cycle (the cycle's result, the
 * engine stats as they were at the end of that cycle, and when it was observed), the observers
 * of each new snapshot, and readiness. The composition root publishes into it from the engine's
 * per-cycle hook; metrics, the HTTP server and the dashboard read it.
 *
 * The engine keeps one EngineStats object and updates it in place every cycle, so a reader
 * holding a reference would see the next cycle's counters beside this cycle's result. Publishing
 * therefore copies the stats (sink totals, their failing lists, the pool counters and the last
 * error included) and freezes the copy.
 */
import { describeFaults, type CycleResult, type EngineStats, marketClosedText, type MarketStatus, type PoolStats, type SinkTotals, type StreamHealth } from "../contracts/index.ts";

/** One cycle as observed: `stats` is a frozen copy taken at publish; `observedAt` is wall time, epoch ms. */
export type CycleSnapshot = { readonly result: CycleResult; readonly stats: Readonly<EngineStats>; readonly observedAt: number };

export type StateObserver = (snapshot: CycleSnapshot) => void;

/**
 * `reasons`: why not ready (empty when ready). `market`: while a live provider's market is
 * closed, "market closed, next open at …" (ready all the same: nothing is wrong).
 */
/** `degraded`: sinks behind while nothing is lost (a spooling sink's target down); shown, still ready. */
export type Readiness = { ready: boolean; reasons: string[]; market?: string; degraded?: string[] };

export type LatestState = {
  /**
   * Records the engine's result and stats at the end of a cycle, then calls every observer in
   * subscription order. Returns the snapshot the observers were given.
   */
  publish(result: CycleResult, stats: Readonly<EngineStats>): CycleSnapshot;
  /** The last published snapshot, or null before the first cycle. */
  latest(): CycleSnapshot | null;
  /** Adds an observer of each published snapshot; returns its removal. */
  subscribe(observer: StateObserver): () => void;
  /**
   * The storage counters as they are now (a frozen copy): sinks write off the cycle's critical
   * path, so their counters move between cycles. Without a live source, the last snapshot's.
   */
  storage(): Readonly<Record<string, SinkTotals>>;
  /**
   * Ready once a cycle has succeeded (or, for a live provider, while its market is closed: no
   * cycle can run, nothing is wrong), the provider is open and no sink target is failing now;
   * else the reasons why not.
   */
  readiness(): Readiness;
  /** Records a live provider's market state (the engine announces each change). */
  setMarket(status: MarketStatus): void;
  /** The market state of a live provider, or null (the simulator's own session; before the first). */
  market(): MarketStatus | null;
  /** A streaming provider's health now, or null (not streaming). */
  providerHealth(): StreamHealth | null;
};

export type LatestStateDeps = {
  /** Wall clock, epoch ms. */
  now: () => number;
  /** Whether the provider is open now (it opens before the first cycle and closes at the end of the run). */
  providerOpen: () => boolean;
  /** Why the provider cannot serve now although open (its credentials were refused), or null. */
  providerProblem?: () => string | null;
  /** The running sinks' counters, live (the engine's stats.sinks). */
  storage?: () => Readonly<Record<string, Readonly<SinkTotals>>>;
  /** A streaming provider's health now (absent: not streaming). */
  providerHealth?: () => StreamHealth | null;
};

function frozenTotals(t: Readonly<SinkTotals>): SinkTotals {
  const failing = t.failing.map((f) => Object.freeze({ ...f }));
  Object.freeze(failing);
  return Object.freeze({ ...t, failing });
}

function frozenPool(p: Readonly<PoolStats>): Readonly<PoolStats> {
  return Object.freeze({ ...p, failures: Object.freeze({ ...p.failures }) });
}

/** A frozen copy of per-sink totals. */
export function freezeStorage(totals: Readonly<Record<string, Readonly<SinkTotals>>>): Readonly<Record<string, SinkTotals>> {
  const sinks: Record<string, SinkTotals> = {};
  for (const [name, t] of Object.entries(totals)) sinks[name] = frozenTotals(t);
  return Object.freeze(sinks);
}

/** A deep, frozen copy of `s`: later updates of the engine's stats cannot reach it. */
export function freezeStats(s: Readonly<EngineStats>): Readonly<EngineStats> {
  const sinks = freezeStorage(s.sinks);
  return Object.freeze({
    ...s,
    lastError: s.lastError ? Object.freeze({ ...s.lastError }) : null,
    sinks,
    pool: s.pool ? frozenPool(s.pool) : null,
  });
}

export function createLatestState(deps: LatestStateDeps): LatestState {
  const observers = new Set<StateObserver>();
  let last: CycleSnapshot | null = null;
  let succeeded = false;
  const storage = () => (deps.storage ? freezeStorage(deps.storage()) : (last?.stats.sinks ?? {}));
  let market: MarketStatus | null = null;
  return {
    setMarket(status) {
      market = status;
    },
    market: () => market,
    providerHealth: () => deps.providerHealth?.() ?? null,
    publish(result, stats) {
      const snapshot: CycleSnapshot = Object.freeze({ result, stats: freezeStats(stats), observedAt: deps.now() });
      last = snapshot;
      if (!result.errors.length && result.status !== "EMPTY") succeeded = true;
      for (const o of observers) o(snapshot);
      return snapshot;
    },
    latest: () => last,
    subscribe(observer) {
      observers.add(observer);
      return () => observers.delete(observer);
    },
    storage,
    readiness() {
      const reasons: string[] = [];
      if (!deps.providerOpen()) reasons.push("provider not open");
      const problem = deps.providerProblem?.() ?? null;
      if (problem) reasons.push(problem);
      const closed = marketClosedText(market);
      if (!succeeded && !closed) reasons.push("no successful cycle yet");
      for (const [name, totals] of Object.entries(storage())) {
        if (totals.failing.length) reasons.push(`sink ${name}: ${describeFaults(totals.failing)}`);
      }
      const degraded = Object.entries(storage())
        .filter(([, t]) => t.degraded)
        .map(([name, t]) => `sink ${name}: ${t.degraded}`);
      return { ready: reasons.length === 0, reasons, ...(closed ? { market: closed } : {}), ...(degraded.length ? { degraded } : {}) };
    },
  };
}
