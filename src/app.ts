/**
 * The composition root: builds every component from the validated config and wires them
 * into an engine. Nothing here reads the environment or the process state.
 */
import type { ConsolaInstance } from "consola";
import type { G6Config } from "./config/schema.ts";
import { availableParallelism } from "node:os";
import { createComputePort, enrichBatch } from "./engine/compute.ts";
import { enrichParams, type Enricher } from "./engine/cycle.ts";
import { createWorkerPool, type WorkerPool } from "./engine/pool.ts";
import { createEngine, type Engine, type EngineDeps } from "./engine/engine.ts";
import { systemClock, type SchedulerClock } from "./engine/scheduler.ts";
import {
  createExchangeCalendars,
  exchangeOfIndex,
  expiryCoverageWarnings,
  formatG6Timestamp,
  generateExpiries,
  INDICES,
  istDate,
  type IndexName,
  resolveExpiry,
  type Exchange,
  type MarketCalendar,
} from "./market/index.ts";
import { enabledIndices } from "./engine/plan.ts";
import { createObservability, type Observability } from "./metrics/index.ts";
import { createLatestState, type LatestState } from "./state/index.ts";
import { createProviderRegistry, type ProviderFactory } from "./providers/registry.ts";
import { simProviderFactory } from "./providers/sim/factory.ts";
import { replayProviderFactory } from "./providers/replay/factory.ts";
import { kiteProviderFactory } from "./providers/kite/factory.ts";
import { buildSinks, type SinkFactory } from "./sinks/registry.ts";
import { csvSinkFactory } from "./sinks/csv/factory.ts";
import { statusSinkFactory } from "./sinks/status/factory.ts";
import { panelsSinkFactory } from "./sinks/panels/factory.ts";
import { influxSinkFactory, influxSpoolDir } from "./sinks/influx/factory.ts";
import { createDiskSpool } from "./sinks/spool/disk-spool.ts";
import type { SinkSpool, StreamHealth } from "./contracts/index.ts";
import { configuredTracker } from "./summary/dashboard.ts";
import type { SummarySnapshot } from "./summary/model.ts";
import { snapshotOf, type SummaryTracker } from "./summary/tracker.ts";
import { capabilitiesOf, type MarketStatus, type Sink } from "./contracts/index.ts";
import { ConfigError } from "./config/errors.ts";
import { checkCapacity, createRunningProvider, providerProblem, runningPolicy, type RunningProvider } from "./engine/running-provider.ts";
import { COMPUTE_KERNELS } from "./kernels.ts";
import { webhookSinkFactory } from "./sinks/webhook/factory.ts";
import { underDataDir } from "./sinks/csv/sink.ts";
import { createDailyJsonl } from "./files/jsonl.ts";
import { createAlertStream, type AlertStream } from "./engine/alert-stream.ts";
import { alertRulesOf } from "./config/alerts.ts";
import type { AlertSource } from "./alerts/index.ts";
import { retainResult } from "./engine/holds.ts";

export type AppOptions = {
  log: ConsolaInstance;
  clock?: SchedulerClock;
  onCycle?: EngineDeps["onCycle"];
  /**
   * Whether `onCycle` keeps results past its call (default true): their batches are then never
   * reused. false: the result's batch is valid during the call and until the next cycle is
   * published (to keep one, call retainResult on it; see src/engine/holds.ts).
   */
  keepsResults?: boolean;
  /** The running config after reloads (see EngineDeps.currentConfig). */
  currentConfig?: () => Readonly<G6Config>;
  /** Receives each cycle's summary snapshot (the dashboard); without it no summary is built. */
  onSummary?: (snapshot: SummarySnapshot) => void;
  /** Receives each market state change of a live provider (the dashboard's "market closed" line). */
  onMarket?: (status: MarketStatus) => void;
  /**
   * Called before each cycle to pick up changes made outside the process (the CLI reloads the
   * config when the secrets file changed: a new access token). After it, a provider whose
   * credentials were refused is let through again when its credentials changed.
   */
  refreshConfig?: () => void;
  /** Builds the provider instead of the registered factory of the same kind (g6 ingest's replay, which reports each day read). */
  providerFactory?: ProviderFactory;
};

export type App = {
  engine: Engine;
  /** The provider under the running policy (deadlines, retries, pacing, auth state). */
  provider: RunningProvider;
  calendar: MarketCalendar;
  sinks: Sink[];
  pool: WorkerPool | null;
  /** The metrics registry (/metrics). */
  observability: Observability;
  /** The latest cycle snapshot, its observers and readiness (/status, /readyz, /events). */
  state: LatestState;
  /** The dashboard's summary tracker (alerts can be added to it), when `onSummary` was given. */
  summary: SummaryTracker | null;
  /** The run's alert stream: journaled, counted, sent to /events and the webhook. */
  alerts: AlertStream;
  /** Runs the engine, then terminates the pool's workers. */
  run(opts: { cycles: number; signal: AbortSignal }): ReturnType<Engine["run"]>;
};

/** Worker count for a `pool.size` setting: "auto" is one per core. */
export function poolSize(size: number | "auto"): number {
  return size === "auto" ? availableParallelism() : size;
}

/** The worker pool from config, or null for inline execution (`lazy`: workers spawn at its first use, see PoolOptions.lazy). */
export function createPool(config: Readonly<G6Config>, lazy = false): WorkerPool | null {
  const size = poolSize(config.pool.size);
  if (size === 0) return null;
  return createWorkerPool({
    lazy,
    size,
    timeoutMs: config.pool.shard_timeout_ms,
    maxRestarts: config.pool.max_restarts,
    restartWindowMs: config.pool.restart_window_seconds * 1000,
    backoffMs: config.pool.backoff_ms,
    kernels: COMPUTE_KERNELS,
  });
}

/** Enrichment over the whole batch, sharded on the pool when it pays; renders CSV rows when the CSV sink is on. */
export function createEnricher(config: Readonly<G6Config>, pool: WorkerPool | null): Enricher {
  const params = enrichParams(config);
  const minShardLegs = config.pool.min_shard_legs;
  const csv = config.storage.csv.enabled;
  return (batch, at, opts) =>
    enrichBatch(pool, batch, opts?.keepAnalytics ? { ...params, keepAnalytics: true } : params, { minShardLegs, render: csv ? formatG6Timestamp(at) : null });
}

/** Every provider G6 can run, selected by `provider.kind`. A new provider is one entry (and its schema in src/config/providers.ts). */
export const PROVIDER_FACTORIES: readonly ProviderFactory[] = [simProviderFactory, kiteProviderFactory, replayProviderFactory];

/** Every sink G6 can write, in the order they are built and written (csv, status, panels, influx, webhook). A new sink is one entry. */
export const SINK_FACTORIES: readonly SinkFactory[] = [csvSinkFactory, statusSinkFactory, panelsSinkFactory, influxSinkFactory, webhookSinkFactory];

/** The durable spools of the spoolable sinks that are on (InfluxDB's), by sink name. */
export function createSpools(config: Readonly<G6Config>, env: { now: () => number; warn: (message: string) => void }): Record<string, SinkSpool> {
  const influx = config.storage.influx;
  if (!influx.enabled) return {};
  return {
    influx: createDiskSpool({ dir: influxSpoolDir(config), maxBytes: influx.spool_max_mb * 1024 * 1024, whenFull: influx.spool_when_full, now: env.now, warn: env.warn }),
  };
}

/** The configured sinks; `env` gives the status and panels sinks their wall clock, and pool facts. */
export function createSinks(
  config: Readonly<G6Config>,
  calendar: MarketCalendar,
  env: { now: () => number; pool: WorkerPool | null; alerts?: AlertSource } = { now: () => systemClock.now(), pool: null },
): Sink[] {
  return buildSinks(SINK_FACTORIES, { config, calendar, now: env.now, summary: () => snapshotOf(configuredTracker(config, calendar, env)), ...(env.alerts ? { alerts: env.alerts } : {}) });
}

/**
 * The expiries G6 plans to collect on ISO date `date` under the simulator's listing rules (a
 * provider whose factory estimates its own plan, e.g. Kite, does not use this)
 * (ladder: each enabled index's configured selectors; universe: every listed expiry).
 */
export function plannedExpiries(
  config: Readonly<G6Config>,
  calendars: Readonly<Record<Exchange, MarketCalendar>>,
  date: string,
): { index: string; expiry: string }[] {
  const out: { index: string; expiry: string }[] = [];
  const counts = { weeks: config.provider.sim.listed_weeks, months: config.provider.sim.listed_months };
  for (const index of enabledIndices(config)) {
    const rule = config.indices[index];
    const listed = generateExpiries({ weekday: rule.expiry_weekday, weekly: rule.weekly }, calendars[exchangeOfIndex(index)], date, counts);
    const chosen = config.collection_mode === "universe" ? listed : rule.expiries.map((tag) => resolveExpiry(tag, listed, date));
    for (const expiry of chosen) if (expiry !== undefined) out.push({ index, expiry });
  }
  return out;
}

/**
 * Legs a cycle will ask for, estimated from config for the expiries `planned` (plannedExpiries):
 * ladder mode exactly (strikes below + ATM + above, CE and PE); universe mode from the listing
 * rules, the strikes spanning the index's reference level·(1 ± provider.sim.strike_range).
 */
export function estimateLegsPerCycle(config: Readonly<G6Config>, planned: readonly { index: string }[]): number {
  let legs = 0;
  for (const { index } of planned) {
    const name = index as IndexName;
    const spec = INDICES[name];
    const rule = config.indices[name];
    const strikes =
      config.collection_mode === "universe"
        ? Math.floor((2 * config.provider.sim.strike_range * spec.referenceLevel) / spec.strikeStep) + 1
        : rule.strikes_below + rule.strikes_above + 1;
    legs += 2 * strikes;
  }
  return legs;
}

export function createApp(config: Readonly<G6Config>, opts: AppOptions): App {
  const clock = opts.clock ?? systemClock;
  const calendars = createExchangeCalendars(config.market);
  // Sessions follow NSE (BSE keeps the same hours); each index's expiries roll on its exchange's holidays.
  const calendar = calendars.NSE;
  // Workers spawn once the plan's size is known (below), or at the first batch that reaches them.
  const pool = createPool(config, true);
  // The engine is built below; storage counters are read through it once it exists.
  let engineRef: Engine | null = null;
  const storage = () => engineRef?.stats.sinks ?? {};
  // A streaming provider's health (known once the provider is made, below).
  let health: ((now: number) => StreamHealth) | undefined;
  const providerHealth = () => health?.(clock.now()) ?? null;
  const observability = createObservability(config, {
    now: () => clock.now(),
    poolStats: () => pool?.stats ?? null,
    storage,
    providerHealth,
  });
  const compute = createComputePort(pool, { minShardLegs: config.pool.min_shard_legs });
  const registered = createProviderRegistry(PROVIDER_FACTORIES).get(config.provider.kind);
  const factory = opts.providerFactory?.kind === registered.kind ? opts.providerFactory : registered;
  // A provider's own estimate may refuse the plan outright (a ConfigError) before anything is
  // built; either failure releases the pool's workers.
  let estimate: ReturnType<NonNullable<ProviderFactory["estimate"]>> | undefined;
  let made: ReturnType<ProviderFactory["create"]>;
  try {
    estimate = factory.estimate?.(config);
    made = factory.create({
      config,
      calendar,
      calendars,
      compute,
      now: () => clock.now(),
      intervalMs: () => (opts.currentConfig?.() ?? config).interval * 1000,
      currentConfig: opts.currentConfig,
      log: opts.log.withTag(config.provider.kind),
    });
  } catch (err) {
    void pool?.close();
    throw err;
  }
  health = made.health;
  // Metrics count every real request (each chunk, each retry); the policy runs above them.
  const instrumented = observability.instrumentProvider(made.provider);
  const provider = createRunningProvider(instrumented, runningPolicy(config));
  const state = createLatestState({
    now: () => clock.now(),
    providerOpen: () => instrumented.isOpen,
    providerProblem: () => providerProblem(provider),
    providerHealth,
    storage,
  });
  // Subscribed first: metrics are up to date before any other observer (the server's events) hears of a cycle.
  state.subscribe(({ result, stats }) => observability.onCycle(result, stats));
  const snapshotClock = made.snapshotClock;
  const startDate = istDate(snapshotClock.startsAt);
  const calendarLog = opts.log.withTag("calendar");
  const planned = estimate?.planned ?? plannedExpiries(config, calendars, startDate);
  for (const line of expiryCoverageWarnings(calendars, startDate, planned)) calendarLog.warn(line);
  const legsPerCycle = estimate?.legs ?? estimateLegsPerCycle(config, planned);
  const beyond = checkCapacity(capabilitiesOf(provider), legsPerCycle, config.interval);
  if (beyond) {
    void pool?.close();
    const hint = capabilitiesOf(provider).quoteRequestsPerSecond < Number.POSITIVE_INFINITY ? "; collect fewer strikes or expiries, a longer interval, or stream" : "";
    throw new ConfigError([`provider.kind: ${provider.name} cannot serve this plan: ${beyond}${hint}`]);
  }
  // A plan at the pool's break-even size or above starts the workers now (they load while the
  // provider opens); below it the cycles run inline and no thread is spawned unless a batch grows.
  if (legsPerCycle >= config.pool.min_shard_legs) pool?.start?.();
  // Credentials that change while running (a new daily token): a refused provider is let through again once they change.
  let credentials = made.credentials?.();
  const beforeCycle = () => {
    opts.refreshConfig?.();
    const now = made.credentials?.();
    if (now === credentials) return;
    credentials = now;
    if (provider.authFailure) {
      opts.log.withTag("provider").info(`${provider.name}: new credentials; resuming calls`);
      provider.reset();
    }
  };
  const now = () => clock.now();
  const alertsLog = opts.log.withTag("alerts");
  const journal = config.alerts.journal;
  const alerts = createAlertStream({
    rules: alertRulesOf(config),
    journal: journal.enabled ? createDailyJsonl({ dir: underDataDir(config.storage.data_dir, journal.dir), prefix: "alerts", onTorn: (m) => alertsLog.warn(m) }) : null,
    count: (list) => observability.countAlerts(list),
    log: alertsLog,
  });
  const sinks = createSinks(config, calendar, { now, pool, alerts }).map((s) => observability.instrumentSink(s));
  const summary = opts.onSummary ? configuredTracker(config, calendar, { now, pool, alerts }) : null;
  const engine = createEngine({
    config,
    currentConfig: opts.currentConfig,
    poolStats: () => pool?.stats ?? null,
    provider,
    sinks,
    spools: createSpools(config, { now, warn: (m) => opts.log.withTag("engine").warn(m) }),
    enrich: createEnricher(config, pool),
    snapshotAt: () => snapshotClock.next(),
    ...(snapshotClock.delayMs ? { snapshotDelay: () => snapshotClock.delayMs!() } : {}),
    clock,
    elapsed: () => performance.now(),
    log: opts.log.withTag("engine"),
    beforeCycle,
    // A provider on the real market hours idles outside the session; the simulator's session clock never does.
    ...(made.market === "wall" ? { market: { calendar } } : {}),
    onMarket: (status) => {
      state.setMarket(status);
      opts.onMarket?.(status);
    },
    onCycle: (result, engineStats) => {
      // Everyone past this point sees the stats as they were at the end of this cycle.
      const { stats } = state.publish(result, engineStats);
      alerts.observe(result, stats);
      if (opts.onCycle) {
        if (opts.keepsResults !== false) retainResult(result);
        opts.onCycle(result, stats);
      }
      if (summary && opts.onSummary) opts.onSummary(summary.observe(result, stats));
    },
  });
  engineRef = engine;
  return {
    engine,
    provider,
    calendar,
    sinks,
    pool,
    observability,
    state,
    summary,
    alerts,
    async run(runOpts) {
      try {
        return await engine.run(runOpts);
      } finally {
        alerts.close();
        await pool?.close();
      }
    },
  };
}
