/** The summary model builder on a fixed cycle of the simulated market, against golden JSON. */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { resolveMode } from "../../src/summary/dashboard.ts";
import { createPlainPrinter, renderPlain } from "../../src/summary/plain.ts";
import { fixedCycle, fixedSnapshot, fixedTracker } from "./fixture.ts";

const GOLDEN = join(import.meta.dir, "../fixtures/summary/cycle3-seed7.json");
const { result, stats } = await fixedCycle();

describe("summary model", () => {
  test("a fixed cycle gives the golden snapshot", () => {
    const snapshot = JSON.parse(JSON.stringify(fixedSnapshot(result, stats)));
    // UPDATE_GOLDEN=1 rewrites the file after an intended change; review the diff.
    if (process.env.UPDATE_GOLDEN === "1") writeFileSync(GOLDEN, `${JSON.stringify(snapshot, null, 2)}\n`);
    expect(existsSync(GOLDEN)).toBe(true);
    expect(snapshot).toEqual(JSON.parse(readFileSync(GOLDEN, "utf8")));
  });

  test("figures follow from the cycle result", () => {
    const s = fixedSnapshot(result, stats);
    expect(s.header).toMatchObject({ clock: "2026-11-20T10:02:00+05:30", marketOpen: true, nextOpen: null, cycle: 3, uptimeSeconds: 125, provider: "sim" });
    expect(s.indices.map((i) => i.index)).toEqual(["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]);
    for (const [k, i] of s.indices.entries()) {
      const src = result.indices[k]!;
      expect(i.change).toBeCloseTo(src.spot - src.prevClose, 9);
      expect(i.coverage).toBeCloseTo(src.legsCollected / src.legsRequested, 12);
    }
    expect(s.indices.some((i) => i.coverage < 1)).toBe(true);
    expect(s.expiries).toHaveLength(result.expiries.length);
    for (const [k, e] of s.expiries.entries()) expect(e.maxPainDistance).toBeCloseTo(result.expiries[k]!.maxPain - result.expiries[k]!.spot, 9);
    expect(s.performance).toMatchObject({ lastMs: 40, p50Ms: 40, p95Ms: 52, windowCycles: 3, poolWorkers: 2, poolRestarts: 1 });
    expect(s.storage).toMatchObject({ rows: 885, points: 0, lagMs: 6, errors: 0 });
  });

  test("a closed market shows the next open", () => {
    const s = fixedSnapshot({ ...result, at: Date.UTC(2026, 10, 21, 6, 0, 0) }, stats);
    expect(s.header.marketOpen).toBe(false);
    expect(s.header.nextOpen).toBe("2026-11-23T09:15:00+05:30");
  });

  test("the tracker keeps a window, raises a standing warning once, and keeps errors", () => {
    const tracker = fixedTracker();
    const partial = { ...result, indices: result.indices.map((i, k) => ({ ...i, status: k === 0 ? ("PARTIAL" as const) : ("OK" as const), reason: k === 0 ? "x" : "" })) };
    tracker.observe(partial, { ...stats, lastCycleMs: 10 });
    tracker.observe(partial, { ...stats, lastCycleMs: 20 });
    const failed = { ...partial, errors: [{ phase: "fetch" as const, code: "auth" as const, message: "token expired" }] };
    const s = tracker.observe(failed, { ...stats, lastCycleMs: 30, overruns: 1 });
    expect(s.performance.windowCycles).toBe(2);
    expect(s.performance.p95Ms).toBe(30);
    expect(s.header.auth).toBe("failed");
    expect(s.alerts.map((a) => a.level + " " + a.message)).toEqual([
      "warn NIFTY PARTIAL: x",
      "error fetch failed (auth): token expired",
      "warn cycle 3 overran the 60s interval (30 ms)",
    ]);
  });
});

describe("plain renderer", () => {
  test("one block per cycle with the key figures, printed only on change", () => {
    const out: string[] = [];
    const printer = createPlainPrinter((t) => out.push(t));
    const s = fixedSnapshot(result, stats);
    expect(printer.show(s)).toBe(true);
    expect(printer.show({ ...s, header: { ...s.header, cycle: 4, uptimeSeconds: 999 }, performance: { ...s.performance, lastMs: 77 } })).toBe(false);
    expect(printer.show({ ...s, indices: s.indices.map((i) => ({ ...i, spot: i.spot + 1 })) })).toBe(true);
    expect(out).toHaveLength(2);
    const text = renderPlain(s);
    expect(text.split("\n")[0]).toBe("[g6] 2026-11-20 10:02:00 IST OPEN | sim auth ok | #3 every 60s | up 2m | PARTIAL");
    expect(text).toContain("this_week  2026-11-23  pcr");
    expect(text).toContain("pool 2 workers, 1 restarts");
    expect(text).not.toMatch(/cycle \d+ ·/);
    expect(text).not.toContain("\x1b[");
  });

  test("mode: live only on a terminal outside CI without --plain", () => {
    const facts = { isTty: true, ci: false, plainFlag: false };
    expect(resolveMode("auto", facts)).toBe("live");
    expect(resolveMode("auto", { ...facts, ci: true })).toBe("plain");
    expect(resolveMode("auto", { ...facts, isTty: false })).toBe("plain");
    expect(resolveMode("live", { ...facts, plainFlag: true })).toBe("plain");
    expect(resolveMode("live", { ...facts, ci: true })).toBe("live");
    expect(resolveMode("off", facts)).toBe("off");
  });
});
