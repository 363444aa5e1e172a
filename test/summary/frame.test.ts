/** The live dashboard's frame layout and the screen controller, without a terminal. */
import { describe, expect, test } from "bun:test";
import { visibleLength } from "../../src/summary/format.ts";
import { renderFrame } from "../../src/summary/frame.ts";
import { createLiveScreen } from "../../src/summary/screen.ts";
import { fixedCycle, fixedSnapshot } from "./fixture.ts";

const { result, stats } = await fixedCycle();
const snapshot = fixedSnapshot(result, stats);
const TITLES = ["G6", "Indices", "Expiries", "Performance", "Storage", "Links", "Alerts"];

describe("dashboard frame", () => {
  for (const [columns, rows] of [[160, 50], [120, 40], [80, 30], [40, 60]] as const) {
    test(`${columns}x${rows}: exactly the terminal's size, every panel on screen`, () => {
      const lines = renderFrame(snapshot, { columns, rows, color: true });
      expect(lines).toHaveLength(rows);
      for (const line of lines) expect(visibleLength(line)).toBe(columns);
      const text = lines.join("\n");
      for (const title of TITLES) expect(text).toContain(`─ ${title} `);
      expect(text).toContain("NIFTY");
      expect(text).toContain("2026-11-20 10:02:00 IST");
    });
  }

  test("a terminal too small for every panel keeps its size and the top panels", () => {
    const lines = renderFrame(snapshot, { columns: 60, rows: 24, color: true });
    expect(lines).toHaveLength(24);
    for (const line of lines) expect(visibleLength(line)).toBe(60);
    expect(lines.join("\n")).toContain("─ Indices ");
  });

  test("a narrow terminal drops columns, a wide one shows them all", () => {
    const wide = renderFrame(snapshot, { columns: 160, rows: 50, color: false }).join("\n");
    const narrow = renderFrame(snapshot, { columns: 60, rows: 50, color: false }).join("\n");
    for (const head of ["SUPPORT", "RESIST", "DATE", "AGE"]) {
      expect(wide).toContain(head);
      expect(narrow).not.toContain(head);
    }
    expect(wide).toContain("2026-11-23");
    expect(wide).toContain("http://127.0.0.1:9108/metrics");
  });

  test("a short terminal cuts the expiries with a count, not the layout", () => {
    const text = renderFrame(snapshot, { columns: 80, rows: 30, color: false }).join("\n");
    expect(text).toMatch(/… \d+ more/);
    expect(text).toContain("data data");
  });

  test("colour only when asked", () => {
    expect(renderFrame(snapshot, { columns: 120, rows: 40, color: false }).join("")).not.toContain("\x1b[");
    expect(renderFrame(snapshot, { columns: 120, rows: 40, color: true }).join("")).toContain("\x1b[32mOK");
  });
});

describe("live screen", () => {
  test("a notice shows on the empty screen until the first snapshot, then no more", () => {
    const out: string[] = [];
    const screen = createLiveScreen({ write: (s) => out.push(s), size: () => ({ columns: 30, rows: 10 }), color: false, maxFps: 10, elapsed: () => 0 });
    screen.start();
    screen.notice("waiting for g6: data/runtime_status.json does not exist");
    expect(out.at(-1)).toBe("\x1b[2J\x1b[H\x1b[1;1Hwaiting for g6: data/runtime_s\x1b[0m");
    screen.show(snapshot);
    const writes = out.length;
    screen.notice("waiting again");
    expect(out).toHaveLength(writes);
    screen.stop();
  });


  test("enters the alternate screen, throttles frames, and restores the terminal once", async () => {
    const out: string[] = [];
    let t = 0;
    const screen = createLiveScreen({ write: (s) => out.push(s), size: () => ({ columns: 100, rows: 30 }), color: false, maxFps: 10, elapsed: () => t });
    screen.start();
    expect(out[0]).toContain("\x1b[?1049h");
    screen.show(snapshot);
    screen.show(snapshot);
    screen.show(snapshot);
    expect(screen.frames).toBe(1);
    t = 200;
    await Bun.sleep(150);
    expect(screen.frames).toBe(2);
    screen.stop();
    screen.stop();
    expect(out.filter((s) => s.includes("\x1b[?1049l"))).toHaveLength(1);
    expect(out.at(-1)).toContain("\x1b[?25h");
  });
});
