/**
 * The live dashboard's frame: lays a snapshot out in boxed panels sized to the terminal
 * (pure; computes no figures, only positions). Wide terminals get more columns and panels side
 * by side; narrow ones drop the less important columns and stack panels. A frame is exactly
 * `rows` lines of exactly `columns` visible columns, so it never wraps or scrolls.
 */
import { age, buildupShort, bytes, count, duration, fit, istClock, levelStyle, num, paint, pct, signed, signedCompact, sinkFault, sourceWords, statusStyle, visibleLength, type Style } from "./format.ts";
import type { SummaryExpiry, SummaryIndex, SummarySnapshot } from "./model.ts";

export type FrameOptions = { columns: number; rows: number; color: boolean };

type Panel = { title: string; lines: string[] };

type Column<R> = { head: string; right?: boolean; priority: number; cell: (r: R) => string; style?: (r: R) => Style | null };

/** Widest terminal layout threshold: three panels side by side from here. */
const WIDE = 120;
/** Below this, panels stack instead of sitting two by two. */
const NARROW = 64;

/** Draws a panel in a box of `width` × `height` (borders included); extra lines become "… N more". */
function box(p: Panel, width: number, height: number): string[] {
  const inner = Math.max(1, width - 4);
  const room = Math.max(0, height - 2);
  let lines = p.lines;
  if (lines.length > room) lines = room > 0 ? [...lines.slice(0, room - 1), `… ${lines.length - room + 1} more`] : [];
  const title = fit(` ${p.title} `, Math.min(visibleLength(` ${p.title} `), Math.max(0, width - 4)));
  const out = [`┌─${title}${"─".repeat(Math.max(0, width - 3 - visibleLength(title)))}┐`];
  for (let i = 0; i < room; i++) out.push(`│ ${fit(lines[i] ?? "", inner)} │`);
  out.push(`└${"─".repeat(Math.max(0, width - 2))}┘`);
  return out;
}

/** Panels side by side across `width`, each `height` tall. */
function row(panels: Panel[], width: number, height: number): string[] {
  const base = Math.floor(width / panels.length);
  const drawn = panels.map((p, i) => box(p, i === panels.length - 1 ? width - base * (panels.length - 1) : base, height));
  return Array.from({ length: height }, (_, i) => drawn.map((d) => d[i]!).join(""));
}

/** A table with the columns that fit `width`, dropping the highest `priority` numbers first. */
function table<R>(cols: Column<R>[], rows: readonly R[], width: number, color: boolean): string[] {
  const widths = cols.map((c) => Math.max(c.head.length, ...rows.map((r) => c.cell(r).length)));
  const keep = cols.map(() => true);
  const used = () => widths.reduce((a, w, i) => a + (keep[i] ? w + 1 : 0), -1);
  for (let p = Math.max(...cols.map((c) => c.priority)); p > 0 && used() > width; p--) {
    for (let i = cols.length - 1; i >= 0 && used() > width; i--) if (cols[i]!.priority === p) keep[i] = false;
  }
  const shown = cols.map((c, i) => ({ c, w: widths[i]! })).filter((_, i) => keep[i]);
  const pad = (s: string, w: number, right?: boolean) => (right ? s.padStart(w) : s.padEnd(w));
  const head = paint(shown.map(({ c, w }) => pad(c.head, w, c.right)).join(" "), "bold", color);
  const body = rows.map((r) =>
    shown
      .map(({ c, w }) => {
        const text = pad(c.cell(r), w, c.right);
        const style = c.style?.(r) ?? null;
        return style ? paint(text, style, color) : text;
      })
      .join(" "),
  );
  return [head, ...body];
}

const INDEX_COLUMNS: Column<SummaryIndex>[] = [
  { head: "INDEX", priority: 0, cell: (i) => i.index },
  { head: "SPOT", right: true, priority: 0, cell: (i) => num(i.spot) },
  { head: "CHG", right: true, priority: 3, cell: (i) => signed(i.change) },
  { head: "CHG%", right: true, priority: 1, cell: (i) => pct(i.changePct, 2, true), style: (i) => (i.change >= 0 ? "green" : i.change < 0 ? "red" : null) },
  { head: "ATM", right: true, priority: 1, cell: (i) => num(i.atm, 0) },
  { head: "LEGS", right: true, priority: 2, cell: (i) => `${count(i.legsCollected)}/${count(i.legsRequested)}` },
  { head: "COV", right: true, priority: 1, cell: (i) => pct(i.coverage, 0) },
  { head: "AGE", right: true, priority: 3, cell: (i) => age(i.dataAgeSeconds) },
  { head: "STATUS", priority: 0, cell: (i) => i.status, style: (i) => statusStyle(i.status) },
  { head: "IV TERM", priority: 4, cell: (i) => (i.atmIvTerm.length ? i.atmIvTerm.map((v) => pct(v)).join(" ") : "-") },
  { head: "REASON", priority: 4, cell: (i) => i.reason },
];

const EXPIRY_COLUMNS: Column<SummaryExpiry>[] = [
  { head: "INDEX", priority: 0, cell: (e) => e.index },
  { head: "EXPIRY", priority: 0, cell: (e) => e.tag },
  { head: "DATE", priority: 3, cell: (e) => e.expiry },
  { head: "PCR", right: true, priority: 0, cell: (e) => num(e.pcr) },
  { head: "MAX PAIN", right: true, priority: 1, cell: (e) => num(e.maxPain, 0) },
  { head: "DIST", right: true, priority: 2, cell: (e) => signed(e.maxPainDistance, 0) },
  { head: "ATM IV", right: true, priority: 0, cell: (e) => pct(e.atmIv) },
  { head: "MOVE", right: true, priority: 1, cell: (e) => pct(e.impliedMove, 2) },
  { head: "SUPPORT", right: true, priority: 2, cell: (e) => num(e.support, 0) },
  { head: "RESIST", right: true, priority: 2, cell: (e) => num(e.resistance, 0) },
  // What the aggregates covered: "chain"/"window" and the share of legs with OI (below 100 %: incomplete).
  { head: "AGG", priority: 3, cell: (e) => `${e.scope === "chain" ? "chain" : "win"} ${pct(e.aggregateCoverage, 0)}`, style: (e) => (e.aggregateCoverage < 1 ? "yellow" : null) },
  { head: "ΔOI CE", right: true, priority: 3, cell: (e) => signedCompact(e.callOiChange) },
  { head: "ΔOI PE", right: true, priority: 3, cell: (e) => signedCompact(e.putOiChange) },
  { head: "BUILD", priority: 4, cell: (e) => `${buildupShort(e.callBuildup)}/${buildupShort(e.putBuildup)}` },
  { head: "RR25", right: true, priority: 4, cell: (e) => pct(e.rr25, 1, true) },
  { head: "IVR", right: true, priority: 4, cell: (e) => num(e.ivRank, 0) },
  { head: "STATUS", priority: 1, cell: (e) => e.status, style: (e) => statusStyle(e.status) },
];

/** Words joined by two spaces, wrapped to `width`. */
function wrap(words: string[], width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if (line && visibleLength(line) + 2 + visibleLength(w) > width) {
      lines.push(line);
      line = w;
    } else line = line ? `${line}  ${w}` : w;
  }
  if (line) lines.push(line);
  return lines;
}

function panels(s: SummarySnapshot, inner: number, color: boolean) {
  const h = s.header;
  const p = s.performance;
  const st = s.storage;
  const market = h.marketOpen ? "OPEN" : "CLOSED";
  const header: Panel = {
    title: "G6",
    lines: [
      // While the market is closed, the idle line with its countdown comes first, on its own.
      ...(s.idle ? [paint(s.idle, "yellow", color)] : []),
      ...wrap(
      [
        paint(`● ${market}`, statusStyle(market), color),
        istClock(h.clock),
        ...(h.nextOpen ? [`next open ${istClock(h.nextOpen)}`] : []),
        `provider ${h.provider}`,
        `auth ${paint(h.auth, statusStyle(h.auth), color)}`,
        `cycle ${count(h.cycle)}`,
        `interval ${count(h.intervalSeconds)}s`,
        `up ${duration(h.uptimeSeconds)}`,
        `status ${paint(h.status, statusStyle(h.status), color)}`,
        ...(h.skewSeconds !== undefined && Number.isFinite(h.skewSeconds) ? [`skew ${num(h.skewSeconds, 1)}s`] : []),
        ...(s.source ? sourceWords(s.source).map((w, k) => (k === 2 ? paint(w, "red", color) : w)) : []),
        // What max pain, PCR and support/resistance are computed on (analytics.scope).
        ...(h.analyticsScope ? [`scope ${h.analyticsScope}`] : []),
      ],
      inner,
      ),
    ],
  };
  const performance: Panel = {
    title: "Performance",
    lines: [
      `last ${num(p.lastMs, 1)} ms`,
      `p50 ${num(p.p50Ms, 1)} ms  p95 ${num(p.p95Ms, 1)} ms (${count(p.windowCycles)})`,
      `budget ${pct(p.budgetUsed, 0)}  overruns ${count(p.overruns)}  skipped ${count(p.skippedTicks)}`,
      `pool ${count(p.poolWorkers)} workers  ${count(p.poolRestarts)} restarts`,
      ...(p.loadShed?.length ? [`load shed: ${p.loadShed.join(", ")}`] : []),
    ],
  };
  const storage: Panel = {
    title: "Storage",
    lines: [
      `rows ${count(st.rows)}  points ${count(st.points)}`,
      `lag ${num(st.lagMs, 1)} ms  errors ${st.errors > 0 ? paint(count(st.errors), "red", color) : count(st.errors)}` +
        (st.failing > 0 ? `  ${paint(`failing ${count(st.failing)}`, "red", color)}` : ""),
      ...st.sinks.flatMap((k) => {
        const fault = sinkFault(k);
        const queue = (k.queued > 1 ? ` queued ${count(k.queued)}` : "") + (k.dropped ? ` dropped ${count(k.dropped)}` : "");
        const line = `${k.name} ${count(k.rows)} rows ${bytes(k.bytes)}${k.errors ? ` ${count(k.errors)} errors` : ""}${queue}${k.spooled ? ` spool ${count(k.spooled)} (${bytes(k.spoolBytes)})` : ""}`;
        if (fault) return [line, `  ${paint(fault, "red", color)}`];
        return k.degraded ? [line, `  ${paint(`degraded: ${k.degraded}`, "yellow", color)}`] : [line];
      }),
    ],
  };
  const links: Panel = { title: "Links", lines: [`metrics ${s.links.metricsUrl ?? "off"}`, `data ${s.links.dataDir}`] };
  const alertLines = [...s.alerts].reverse().map((a) => `${a.at.slice(11, 19)} ${paint(a.level.padEnd(5), levelStyle(a.level), color)} ${a.message}`);
  const alerts: Panel = { title: "Alerts", lines: alertLines.length ? alertLines : ["none"] };
  return { header, performance, storage, links, alerts };
}

/** The frame for a snapshot: `rows` lines, each `columns` visible columns wide. */
export function renderFrame(s: SummarySnapshot, opts: FrameOptions): string[] {
  const W = Math.max(20, opts.columns);
  const H = Math.max(1, opts.rows);
  const inner = W - 4;
  const p = panels(s, inner, opts.color);
  const indices: Panel = { title: "Indices", lines: table(INDEX_COLUMNS, s.indices, inner, opts.color) };
  const expiries: Panel = { title: "Expiries", lines: table(EXPIRY_COLUMNS, s.expiries, inner, opts.color) };
  const out: string[] = [...box(p.header, W, p.header.lines.length + 2), ...box(indices, W, indices.lines.length + 2)];
  const mid = W >= WIDE ? [p.performance, p.storage, p.links] : [p.performance, p.storage];
  const bottom = W >= WIDE ? [p.alerts] : [p.alerts, p.links];
  const tall = (ps: Panel[]) => Math.max(...ps.map((x) => x.lines.length)) + 2;
  // Stacked (narrow) rows are one panel each; side-by-side rows share a height.
  const rowsOf = (ps: Panel[]) => (W >= NARROW ? [ps] : ps.map((x) => [x]));
  const midRows = rowsOf(mid);
  const bottomRows = rowsOf(bottom);
  const midHeight = midRows.reduce((a, r) => a + tall(r), 0);
  // The bottom keeps room for the links (2 lines) and at least one alert.
  const bottomMin = bottomRows.length === 1 ? 4 : 3 + tall([p.links]);
  const room = H - out.length - midHeight - bottomMin;
  out.push(...box(expiries, W, Math.min(expiries.lines.length + 2, Math.max(4, room))));
  for (const r of midRows) out.push(...row(r, W, tall(r)));
  const left = H - out.length;
  if (bottomRows.length === 1) out.push(...row(bottom, W, Math.max(4, left)));
  else out.push(...box(p.alerts, W, Math.max(3, left - tall([p.links]))), ...box(p.links, W, tall([p.links])));
  while (out.length < H) out.push(" ".repeat(W));
  return out.slice(0, H);
}
