/**
 * The simulator's factory: the simulated provider and its session clock, which starts at
 * `provider.sim.start` (else the current or last session's open) and advances
 * `provider.sim.step_seconds` per cycle (else the interval, 60 s when the interval is 0).
 */
import type { ProviderFactory } from "../registry.ts";
import { createSimClock, simStart } from "./clock.ts";
import { createSimProvider } from "./provider.ts";

export const simProviderFactory: ProviderFactory = {
  kind: "sim",
  create({ config, calendar, calendars, compute, now }) {
    const provider = createSimProvider({ config, calendar, calendars, compute });
    const stepSeconds = config.provider.sim.step_seconds ?? (config.interval > 0 ? config.interval : 60);
    const startMs = simStart(calendar, config.provider.sim.start, now());
    const clock = createSimClock(calendar, startMs, stepSeconds * 1000);
    // The clock rolls a start outside a session to the next open; so does its first instant.
    const startsAt = calendar.isOpen(startMs) ? startMs : calendar.nextOpen(startMs);
    return { provider, snapshotClock: { startsAt, next: () => clock.next() } };
  },
};
