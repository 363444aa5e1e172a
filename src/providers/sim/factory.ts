/**
 * The simulator's factory: the simulated provider and its session clock, which starts at
 * `provider.sim.start` (else the current or last session's open) and advances
 * `provider.sim.step_seconds` per cycle (else the interval, 60 s when the interval is 0).
 * With `provider.sim.clock: "wall"` it runs as a live provider would: the wall snapshot clock
 * and the real market hours (the engine idles outside the session), what the live providers'
 * factories return; the simulated prices are then those of the wall-clock instants.
 */
import type { ProviderFactory } from "../registry.ts";
import { createWallClock } from "../wall-clock.ts";
import { createSimClock, simStart } from "./clock.ts";
import { createSimProvider } from "./provider.ts";

export const simProviderFactory: ProviderFactory = {
  kind: "sim",
  create({ config, calendar, calendars, compute, now, intervalMs }) {
    const provider = createSimProvider({ config, calendar, calendars, compute });
    if (config.provider.sim.clock === "wall") return { provider, snapshotClock: createWallClock({ now, intervalMs }), market: "wall" };
    const stepSeconds = config.provider.sim.step_seconds ?? (config.interval > 0 ? config.interval : 60);
    const startMs = simStart(calendar, config.provider.sim.start, now());
    const clock = createSimClock(calendar, startMs, stepSeconds * 1000);
    // The clock rolls a start outside a session to the next open; so does its first instant.
    const startsAt = calendar.isOpen(startMs) ? startMs : calendar.nextOpen(startMs);
    return { provider, snapshotClock: { startsAt, next: () => clock.next() }, market: "own" };
  },
};
