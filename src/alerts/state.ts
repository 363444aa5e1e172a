/**
 * The two ways to the neutral AlertState: from an engine cycle (the server, the engine's own
 * dashboard and panel files) and from a status document (`g6 summary` reading the status file,
 * /status or the /events snapshot). Both give the same state for the same cycle, so the same
 * alerts follow from either.
 */
import { formatIsoIst } from "../market/ist.ts";
import type { AlertState } from "./types.ts";
import { readFigures } from "./figures.ts";
import type { CycleResult, EngineStats, SinkFault } from "../contracts/index.ts";

/** The state of an emitted cycle and the engine stats written with it. */
export function alertStateFromCycle(result: CycleResult, stats: Readonly<EngineStats>): AlertState {
  return {
    cycle: result.cycle,
    at: formatIsoIst(result.at),
    indices: result.indices.map((i) => ({
      index: i.index,
      status: i.status,
      reason: i.reason,
      expiries: result.expiries.filter((e) => e.index === i.index).map((e) => ({ tag: e.tag, status: e.status, reason: e.reason })),
    })),
    errors: result.errors,
    warnings: result.warnings,
    sinks: Object.fromEntries(Object.entries(stats.sinks).map(([name, t]) => [name, t.failing])),
    degraded: Object.fromEntries(Object.entries(stats.sinks).map(([name, t]) => [name, t.degraded ?? ""])),
    overruns: stats.overruns,
    skippedTicks: stats.skippedTicks,
    intervalSeconds: stats.intervalSeconds,
    lastCycleMs: stats.lastCycleMs,
    shed: stats.load?.shed ?? [],
    readings: readFigures(result, stats),
  };
}

/**
 * The fields of a status document the rules read. Documents of older writers may lack
 * `warnings`, `errors`, an expiry's `reason` or a sink's `failing`; numbers may be null.
 */
export type AlertStatusDocument = {
  cycle: number;
  snapshot_at: string;
  indices: readonly { index: string; status: string; reason: string; expiries?: readonly { tag: string; status: string; reason?: string }[] }[];
  errors?: readonly { phase: string; code: string; message: string }[];
  warnings?: readonly string[];
  sinks?: Readonly<Record<string, { failing?: readonly SinkFault[]; degraded?: string }>>;
  overruns?: number | null;
  skipped_ticks?: number | null;
  interval_seconds?: number | null;
  cycle_ms?: number | null;
  load?: { shed?: readonly string[] } | null;
};

const n = (x: number | null | undefined) => (typeof x === "number" ? x : Number.NaN);

/** The state of a status document (`snapshot_at` is already ISO IST). */
export function alertStateFromStatus(doc: AlertStatusDocument): AlertState {
  return {
    cycle: doc.cycle,
    at: doc.snapshot_at,
    indices: doc.indices.map((i) => ({
      index: i.index,
      status: i.status,
      reason: i.reason,
      expiries: (i.expiries ?? []).map((e) => ({ tag: e.tag, status: e.status, reason: e.reason ?? "" })),
    })),
    errors: doc.errors ?? [],
    warnings: doc.warnings ?? [],
    sinks: Object.fromEntries(Object.entries(doc.sinks ?? {}).map(([name, t]) => [name, t.failing ?? []])),
    degraded: Object.fromEntries(Object.entries(doc.sinks ?? {}).map(([name, t]) => [name, typeof t.degraded === "string" ? t.degraded : ""])),
    overruns: n(doc.overruns),
    skippedTicks: n(doc.skipped_ticks),
    intervalSeconds: n(doc.interval_seconds),
    lastCycleMs: n(doc.cycle_ms),
    shed: doc.load?.shed ?? [],
  };
}
