/**
 * The dashboard while a live provider's market is closed: the idle line ("market closed · next
 * open Mon 23 Nov 09:15 IST · in 1h 23m"), at the top of the frame over the last snapshot, and
 * the live display's countdown redrawn while no cycle runs.
 */
import { describe, expect, test } from "bun:test";
import { createDisplay, type TerminalIo } from "../../src/summary/dashboard.ts";
import { renderFrame } from "../../src/summary/frame.ts";
import { countdown, idleLine } from "../../src/summary/idle.ts";
import { istEpoch } from "../../src/market/index.ts";
import type { MarketStatus } from "../../src/contracts/index.ts";
import { fixedCycle, fixedSnapshot } from "./fixture.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStatusFile } from "../../src/summary/remote.ts";
import { tempDir } from "../helpers/engine.ts";

const NEXT_OPEN = istEpoch("2026-11-23", "09:15");
const closed: MarketStatus = { state: "closed", since: 0, nextOpen: NEXT_OPEN, reason: "weekend", forced: false };
const open: MarketStatus = { state: "open", since: 0, nextOpen: null, reason: null, forced: false };

function fakeTerminal() {
  let out = "";
  const io: TerminalIo = { write: (t) => void (out += t), isTty: true, size: () => ({ columns: 120, rows: 40 }), onResize: () => () => {} };
  return { io, text: () => out, clear: () => (out = "") };
}

describe("idle line", () => {
  test("says closed, the next open in IST and the time left", () => {
    expect(idleLine(closed, NEXT_OPEN - (83 * 60 + 10) * 1000)).toBe("market closed · next open Mon 23 Nov 09:15 IST · in 1h 23m");
    expect(idleLine(closed, NEXT_OPEN - (2 * 86_400 + 5 * 3600) * 1000)).toBe("market closed · next open Mon 23 Nov 09:15 IST · in 2d 5h");
    expect(idleLine(open, 0)).toBeNull();
    expect(idleLine(null, 0)).toBeNull();
    expect(countdown(65_000)).toBe("1m 05s");
    expect(countdown(4_200)).toBe("5s");
  });

  test("the frame shows it first in the header panel, over the last cycle", async () => {
    const { result, stats } = await fixedCycle();
    const snapshot = { ...fixedSnapshot(result, stats), idle: "market closed · next open Mon 23 Nov 09:15 IST · in 1h 24m" };
    const lines = renderFrame(snapshot, { columns: 120, rows: 40, color: false });
    expect(lines[1]).toContain("market closed · next open Mon 23 Nov 09:15 IST · in 1h 24m");
    expect(renderFrame(fixedSnapshot(result, stats), { columns: 120, rows: 40, color: false }).join("\n")).not.toContain("market closed");
  });

  test("the live display shows the line before any cycle and redraws the countdown while idle; open stops it", async () => {
    const term = fakeTerminal();
    let now = NEXT_OPEN - 125_000;
    const display = createDisplay(term.io, "live", { color: false, maxFps: 1000, now: () => now, redrawMs: 10 });
    try {
      display.market!(closed);
      expect(term.text()).toContain("market closed · next open Mon 23 Nov 09:15 IST · in 2m 05s");
      now += 60_000;
      await Bun.sleep(40);
      expect(term.text()).toContain("in 1m 05s");
      display.market!(open);
      term.clear();
      await Bun.sleep(40);
      expect(term.text()).toBe("");
    } finally {
      display.close();
    }
  });

  test("plain output prints the line once per change", () => {
    const term = fakeTerminal();
    const display = createDisplay(term.io, "plain", { color: false, maxFps: 10, now: () => NEXT_OPEN - 60_000 });
    display.market!(closed);
    display.market!(open);
    expect(term.text()).toBe("[g6] market closed · next open Mon 23 Nov 09:15 IST · in 1m 00s\n");
  });
});

describe("g6 summary before an idle engine's first cycle", () => {
  test("the status file written while idle reads as the idle reason, not as a foreign file", () => {
    const dir = tempDir();
    const file = join(dir, "runtime_status.json");
    writeFileSync(file, JSON.stringify({ schema_version: 1, state: "running", cycle: null, snapshot_at: null, session: { state: "closed", next_open: "2026-11-30T09:15:00+05:30", reason: "weekend" } }));
    expect(readStatusFile(file, "")).toEqual({ kind: "missing", reason: "the engine is idle: market closed (weekend), next open 2026-11-30T09:15:00+05:30" });
    writeFileSync(file, JSON.stringify({ hello: 1 }));
    expect(readStatusFile(file, "")).toEqual({ kind: "missing", reason: `${file} is not a g6 status document` });
  });
});
