/**
 * Sink factories: each says from config whether it is on and builds its sink. `createSinks`
 * in src/app.ts runs the list composed there, in order, so a new sink is one entry.
 */
import type { G6Config } from "../config/schema.ts";
import type { Sink, SnapshotBuilder } from "../contracts/index.ts";
import type { MarketCalendar } from "../market/index.ts";
import type { PanelSnapshot } from "./panels/sink.ts";
import type { AlertSource } from "../alerts/index.ts";

/** What every sink factory is handed. */
export type SinkDeps = {
  config: Readonly<G6Config>;
  calendar: MarketCalendar;
  /** The wall clock, epoch ms. */
  now: () => number;
  /** A fresh summary snapshot builder (each call its own rolling window), for the panels sink. */
  summary: () => SnapshotBuilder<PanelSnapshot>;
  /** The run's alert stream (the webhook sink sends it); absent: no sink that needs it can be built. */
  alerts?: AlertSource;
};

export type SinkFactory = {
  readonly name: string;
  enabled(config: Readonly<G6Config>): boolean;
  create(deps: SinkDeps): Sink;
};

/** The enabled sinks of `factories`, built in list order. */
export function buildSinks(factories: readonly SinkFactory[], deps: SinkDeps): Sink[] {
  return factories.filter((f) => f.enabled(deps.config)).map((f) => f.create(deps));
}
