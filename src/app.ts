/**
 * The composition root: builds every component from the validated config and wires them
 * into an engine. Nothing here reads the environment or the process state.
 */
import type { ConsolaInstance } from "consola";
import { enrichGroups } from "./chain/enrich.ts";
import type { G6Config } from "./config/schema.ts";
import { enrichParams, type Enricher } from "./engine/cycle.ts";
import { createEngine, type Engine, type EngineDeps } from "./engine/engine.ts";
import { systemClock, type SchedulerClock } from "./engine/scheduler.ts";
import { createMarketCalendar, type MarketCalendar } from "./market/index.ts";
import { createSimClock, simStart } from "./providers/sim/clock.ts";
import { createSimProvider } from "./providers/sim/provider.ts";
import type { Provider } from "./providers/types.ts";
import { createCsvSink, underDataDir } from "./sinks/csv/sink.ts";
import { createStatusSink } from "./sinks/status/sink.ts";
import type { Sink } from "./sinks/types.ts";

export type AppOptions = {
  log: ConsolaInstance;
  clock?: SchedulerClock;
  onCycle?: EngineDeps["onCycle"];
};

export type App = { engine: Engine; provider: Provider; calendar: MarketCalendar; sinks: Sink[] };

/** Inline enrichment over the whole batch. */
export function inlineEnricher(config: Readonly<G6Config>): Enricher {
  const params = enrichParams(config);
  return async (batch) => enrichGroups(batch, 0, batch.groups, params);
}

export function createSinks(config: Readonly<G6Config>, calendar: MarketCalendar): Sink[] {
  const { storage } = config;
  const sinks: Sink[] = [];
  if (storage.csv.enabled) {
    sinks.push(
      createCsvSink({
        dir: underDataDir(storage.data_dir, storage.csv.dir),
        maxOpenFiles: storage.csv.max_open_files,
        calendar,
      }),
    );
  }
  if (storage.status.enabled) sinks.push(createStatusSink({ file: underDataDir(storage.data_dir, storage.status.file) }));
  return sinks;
}

export function createApp(config: Readonly<G6Config>, opts: AppOptions): App {
  const clock = opts.clock ?? systemClock;
  const calendar = createMarketCalendar({ holidays: config.market.holidays, open: config.market.open, close: config.market.close });
  const provider = createSimProvider({ config, calendar });
  const stepSeconds = config.provider.sim.step_seconds ?? (config.interval > 0 ? config.interval : 60);
  const simClock = createSimClock(calendar, simStart(calendar, config.provider.sim.start, clock.now()), stepSeconds * 1000);
  const sinks = createSinks(config, calendar);
  const engine = createEngine({
    config,
    provider,
    sinks,
    enrich: inlineEnricher(config),
    snapshotAt: () => simClock.next(),
    clock,
    elapsed: () => performance.now(),
    log: opts.log.withTag("engine"),
    onCycle: opts.onCycle,
  });
  return { engine, provider, calendar, sinks };
}
