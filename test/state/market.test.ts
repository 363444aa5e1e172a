/** Readiness while a live provider's market is closed: ready (nothing is wrong) with the reason, unless something else is wrong. */
import { describe, expect, test } from "bun:test";
import { createLatestState } from "../../src/state/index.ts";
import { istEpoch } from "../../src/market/index.ts";
import type { MarketStatus } from "../../src/contracts/index.ts";

const closed: MarketStatus = { state: "closed", since: 0, nextOpen: istEpoch("2026-11-27", "09:15"), reason: "after the close", forced: false };

describe("readiness and the market state", () => {
  test("before any cycle: not ready while the market is open or unknown; ready while closed, saying until when", () => {
    const state = createLatestState({ now: () => 0, providerOpen: () => true });
    expect(state.readiness()).toEqual({ ready: false, reasons: ["no successful cycle yet"] });
    state.setMarket(closed);
    expect(state.market()).toBe(closed);
    expect(state.readiness()).toEqual({ ready: true, reasons: [], market: "market closed (after the close), next open at Fri 27 Nov 09:15 IST" });
    state.setMarket({ state: "open", since: 1, nextOpen: null, reason: null, forced: false });
    expect(state.readiness()).toEqual({ ready: false, reasons: ["no successful cycle yet"] });
  });

  test("a closed market does not hide a real problem", () => {
    const state = createLatestState({ now: () => 0, providerOpen: () => true, providerProblem: () => "credentials refused" });
    state.setMarket(closed);
    expect(state.readiness()).toMatchObject({ ready: false, reasons: ["credentials refused"] });
  });
});
