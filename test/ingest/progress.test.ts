/**
 * g6 ingest's progress view: the bar's figures (files, rows, rows/s, ETA by bytes), its width,
 * at most one redraw per 100 ms, cleared at the end; on a terminal only. Not on a terminal the
 * per-day lines are printed and nothing else.
 */
import { expect, test } from "bun:test";
import { clock, createProgressView, type IngestProgress, renderBar } from "../../src/ingest-progress.ts";

const P: IngestProgress = { files: 120, filesTotal: 299, rows: 45_000, bytes: 25, bytesTotal: 100, elapsedMs: 3_000, date: "2026-11-17" };

test("the bar: share by bytes, files, rows, rows/s, ETA from the bytes left at the rate so far", () => {
  expect(renderBar(P, 120)).toBe("[########----------------------]  25% · 2026-11-17 · files 120/299 · 45,000 rows · 15,000 rows/s · ETA 0:09");
  // Done: a full bar, no time left.
  expect(renderBar({ ...P, bytes: 100 }, 120)).toStartWith("[##############################] 100% ·");
  expect(renderBar({ ...P, bytes: 100 }, 120)).toEndWith("ETA 0:00");
  // Nothing yet: no ETA.
  expect(renderBar({ ...P, rows: 0, bytes: 0, elapsedMs: 0 }, 120)).toEndWith("0 rows/s · ETA –");
  // Narrow terminals: the bar shrinks, then goes, and the line never passes the width.
  for (const w of [100, 90, 60, 30]) expect(renderBar(P, w).length).toBeLessThanOrEqual(w);
  expect(renderBar(P, 60)).toStartWith(" 25% ·".trim());
  expect([clock(9), clock(75), clock(3 * 3600 + 5 * 60 + 7)]).toEqual(["0:09", "1:15", "3:05:07"]);
});

function view(tty: boolean) {
  const written: string[] = [];
  const printed: string[] = [];
  let now = 0;
  const v = createProgressView({ tty, write: (s) => written.push(s), print: (l) => printed.push(l), columns: () => 121, now: () => now });
  return { v, written, printed, at: (t: number) => (now = t) };
}

test("on a terminal: redrawn in place at most every 100 ms, the day lines not printed, cleared at the end", () => {
  const t = view(true);
  for (let ms = 0; ms <= 1000; ms += 10) {
    t.at(ms);
    t.v.update({ ...P, elapsedMs: ms });
  }
  // 0, 100, … 1000: 11 draws of 101 updates.
  expect(t.written).toHaveLength(11);
  expect(t.written.every((s) => s.startsWith("\r[") && s.endsWith("\x1b[K"))).toBe(true);
  t.v.line("[1/1] 2026-11-17 …");
  expect(t.printed).toEqual([]);
  t.v.done();
  expect(t.written.at(-1)).toBe("\r\x1b[K");
  t.v.done();
  expect(t.written).toHaveLength(12);
});

test("not a terminal: the plain per-day lines, no bar, nothing to clear", () => {
  const t = view(false);
  t.v.update(P);
  t.v.line("[1/2] 2026-11-17 /tree: 299 files");
  t.v.line("[2/2] 2026-11-18 /tree: 299 files");
  t.v.done();
  expect(t.written).toEqual([]);
  expect(t.printed).toEqual(["[1/2] 2026-11-17 /tree: 299 files", "[2/2] 2026-11-18 /tree: 299 files"]);
});
