/**
 * The session gate and the scheduler's idle: which ticks run (the open through the close,
 * inclusive, on trading days), why the others wait and until when; the loop idles to the grid
 * tick at or after the next open, re-asks the gate at least every IDLE_CHECK_MS (so a reloaded
 * force_open applies while idle), and stops at once when aborted.
 */
import { describe, expect, test } from "bun:test";
import { createMarketGate, sessionAt } from "../../src/engine/market-gate.ts";
import { IDLE_CHECK_MS, runScheduler, type SchedulerClock } from "../../src/engine/scheduler.ts";
import { createMarketCalendar, istEpoch } from "../../src/market/index.ts";
import type { MarketStatus } from "../../src/contracts/index.ts";
import { virtualClock } from "../helpers/clock.ts";

// Tuesday 2026-11-24 is a holiday of this calendar.
const calendar = createMarketCalendar({ holidays: ["2026-11-24"] });
const at = (date: string, time: string) => istEpoch(date, time);

describe("session gate", () => {
  test("open from 09:15:00 through 15:30:00 inclusive; closed either side, with the reason and the next open", () => {
    expect(sessionAt(calendar, at("2026-11-23", "09:15:00"))).toEqual({ open: true });
    expect(sessionAt(calendar, at("2026-11-23", "15:30:00"))).toEqual({ open: true });
    expect(sessionAt(calendar, at("2026-11-23", "15:30:00") + 1)).toEqual({ open: false, reason: "after the close", nextOpen: at("2026-11-25", "09:15") });
    expect(sessionAt(calendar, at("2026-11-23", "15:30:30"))).toEqual({ open: false, reason: "after the close", nextOpen: at("2026-11-25", "09:15") });
    expect(sessionAt(calendar, at("2026-11-23", "09:14:59"))).toEqual({ open: false, reason: "before the open", nextOpen: at("2026-11-23", "09:15") });
    expect(sessionAt(calendar, at("2026-11-24", "11:00"))).toEqual({ open: false, reason: "holiday", nextOpen: at("2026-11-25", "09:15") });
    expect(sessionAt(calendar, at("2026-11-21", "11:00"))).toEqual({ open: false, reason: "weekend", nextOpen: at("2026-11-23", "09:15") });
    // The close of a holiday is no closing tick.
    expect(sessionAt(calendar, at("2026-11-24", "15:30"))).toMatchObject({ open: false, reason: "holiday" });
  });

  test("announces the first state and each change only; force_open opens, marked forced", async () => {
    const seen: MarketStatus[] = [];
    let force = false;
    const gate = createMarketGate({ calendar, forceOpen: () => force, now: () => 0, announce: async (m) => void seen.push(m) });
    expect(await gate(at("2026-11-21", "10:00"))).toBe(at("2026-11-23", "09:15"));
    expect(await gate(at("2026-11-22", "10:00"))).toBe(at("2026-11-23", "09:15"));
    expect(seen).toHaveLength(1);
    force = true;
    expect(await gate(at("2026-11-22", "10:01"))).toBeNull();
    expect(await gate(at("2026-11-23", "09:15"))).toBeNull();
    expect(seen.map((m) => `${m.state}${m.forced ? " forced" : ""}`)).toEqual(["closed", "open forced", "open"]);
  });
});


describe("scheduler idle", () => {
  test("idles in bounded sleeps until the next open, then resumes on the grid tick at or after it", async () => {
    const v = virtualClock(at("2026-11-21", "10:00:07"));
    const starts: number[] = [];
    const gate = createMarketGate({ calendar, forceOpen: () => false, now: v.now, announce: async () => {} });
    await runScheduler({ intervalMs: () => 45_000, cycles: 2, clock: v.clock, signal: new AbortController().signal, gate, runCycle: async () => void starts.push(v.now()) });
    // 09:15 IST is 03:45 UTC: a 45 s grid point (2 700 s divides it); the next tick 09:15:45.
    expect(starts).toEqual([at("2026-11-23", "09:15:00"), at("2026-11-23", "09:15:45")]);
    expect(Math.max(...v.sleeps)).toBe(IDLE_CHECK_MS);
  });

  test("an interval whose grid misses 09:15:00 (40 s: it does not divide 2 700 s) starts at the first grid tick after the open", async () => {
    const v = virtualClock(at("2026-11-21", "10:00"));
    const starts: number[] = [];
    const gate = createMarketGate({ calendar, forceOpen: () => false, now: v.now, announce: async () => {} });
    await runScheduler({ intervalMs: () => 40_000, cycles: 2, clock: v.clock, signal: new AbortController().signal, gate, runCycle: async () => void starts.push(v.now()) });
    expect(starts).toEqual([at("2026-11-23", "09:15:20"), at("2026-11-23", "09:16:00")]);
  });

  test("force_open set while idle (a reload) applies within IDLE_CHECK_MS", async () => {
    const v = virtualClock(at("2026-11-21", "10:00"));
    let force = false;
    const starts: number[] = [];
    const gate = createMarketGate({ calendar, forceOpen: () => force, now: v.now, announce: async () => {} });
    const reloadAt = at("2026-11-21", "10:05");
    const clock: SchedulerClock = {
      now: v.clock.now,
      sleep: async (ms, signal) => {
        await v.clock.sleep(ms, signal);
        if (v.now() >= reloadAt) force = true;
      },
    };
    await runScheduler({ intervalMs: () => 30_000, cycles: 1, clock, signal: new AbortController().signal, gate, runCycle: async () => void starts.push(v.now()) });
    expect(starts[0]! - reloadAt).toBeLessThanOrEqual(IDLE_CHECK_MS);
  });

  test("an abort while idle returns at once, with no cycle run", async () => {
    const controller = new AbortController();
    const clock: SchedulerClock = {
      now: () => at("2026-11-21", "10:00"),
      sleep: (_ms, signal) => new Promise((resolve) => signal.addEventListener("abort", () => resolve(), { once: true })),
    };
    const gate = createMarketGate({ calendar, forceOpen: () => false, now: clock.now, announce: async () => {} });
    setTimeout(() => controller.abort(), 20);
    const t0 = performance.now();
    const n = await runScheduler({ intervalMs: () => 30_000, cycles: 0, clock, signal: controller.signal, gate, runCycle: async () => {} });
    expect(n).toBe(0);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
