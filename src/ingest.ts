/**
 * `g6 ingest`: recorded G6 CSV trees (ours in both layouts, the Python G6's) into InfluxDB.
 *
 * Decisions:
 * - No second write path. Each recorded day is run through the real engine with the replay
 *   provider (interval 0, the configured pool) and only the InfluxDB sink on, so every line goes
 *   through the sink's durable spool: an outage is waited out and a kill loses nothing handed
 *   over. Lines carry the recorded instants, so writing a day again is an upsert (idempotent).
 * - Progress: `ingest-progress.json` in the spool directory lists the days done (tree, date,
 *   indices, recompute). A day is done when the engine replayed it to its end, i.e. every cycle is
 *   in the spool (durable) or already accepted. A rerun skips done days; a day stopped halfway
 *   (Ctrl-C, a kill) is ingested again from its start: its points overwrite themselves.
 * - The plan is the config's: indices, expiry tags and strikes around ATM. A recorded row outside
 *   it is not served, and is reported ("outside the configured plan"), never skipped silently.
 * - Accounting per day: option and overview rows read, the reader's skips (duplicates, torn lines,
 *   rows of the wrong width, files not read), zeros read as missing, option rows written (a
 *   contract's row at an instant with any value on either side) and legs written, lines the
 *   server accepted. With recompute, each leg's recomputed IV (rounded as written) is compared
 *   with the recorded one: changed, became missing, became known, median and worst change.
 */
import { type ConsolaInstance, createConsola } from "consola";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import type { ChainBatch } from "./chain/batch.ts";
import { ConfigError } from "./config/errors.ts";
import { loadConfig, type LoadInput } from "./config/load.ts";
import type { G6Config } from "./config/schema.ts";
import type { CycleResult } from "./contracts/index.ts";
import { writeFileAtomic } from "./files/atomic.ts";
import { DECIMALS } from "./g6csv/format.ts";
import { INDICES, type IndexName } from "./market/index.ts";
import { createReplayProviderFactory } from "./providers/replay/factory.ts";
import type { DayReport, ParsedFile, RecordedDay } from "./providers/replay/recording.ts";
import { createDayReader } from "./ingest-read.ts";
import type { IngestProgress } from "./ingest-progress.ts";
import { poolSize } from "./app.ts";
import { datesInRange, filesOfDay } from "./providers/replay/tree.ts";
import { createDelivery, DELIVERY_CONCURRENCY, KEEP_BYTES, replayDayToSpool } from "./ingest-fast.ts";
import { influxSinkOptions, influxSpoolDir } from "./sinks/influx/factory.ts";
import { createInfluxSink } from "./sinks/influx/sink.ts";
import { createDiskSpool } from "./sinks/spool/disk-spool.ts";

export type IngestOptions = {
  paths: string[];
  from: string | null;
  to: string | null;
  /** Index names to ingest; empty: the config's enabled indices. */
  indices: string[];
  recompute: boolean;
  /** The loader input of the command's flags and environment (config file, preset, data dir, pool). */
  input: LoadInput;
  log: ConsolaInstance;
  /** One line per day (progress). */
  progress: (line: string) => void;
  /** Figures for a progress bar, after every cycle (src/ingest-progress.ts throttles the drawing). */
  onProgress?: (p: IngestProgress) => void;
  signal: AbortSignal;
};

/**
 * The log each day's engine writes to: a warning repeated on a later day (a standing calendar
 * note, the same for every day of a year's ingest) is printed once per run; everything else
 * passes through unchanged.
 */
export function oncePerRun(log: ConsolaInstance): ConsolaInstance {
  const seen = new Set<string>();
  return createConsola({
    level: log.level,
    reporters: [
      {
        log: (o) => {
          const tagged = o.tag ? log.withTag(o.tag) : log;
          if (o.type === "warn") {
            const key = `${o.tag}\u0000${o.args.join(" ")}`;
            if (seen.has(key)) return;
            seen.add(key);
          }
          const [first, ...rest] = o.args as [unknown, ...unknown[]];
          (tagged[o.type as "info"] ?? tagged.log)(first, ...rest);
        },
      },
    ],
  });
}

/** Counts of one day or of the whole run. */
export type IngestCounts = {
  days: number;
  files: number;
  filesNotRead: number;
  rowsRead: number;
  optionRowsRead: number;
  overviewRowsRead: number;
  duplicates: number;
  tornLines: number;
  badRows: number;
  zerosAsMissing: number;
  optionRowsWritten: number;
  legsWritten: number;
  overviewRowsWritten: number;
  /** Option rows another file also held (the other layout, or a second tag of the same expiry): one set of points, written once. */
  optionRowsInTwoFiles: number;
  /** Distinct option rows read that the configured plan did not serve (outside its expiry tags or strikes). */
  optionRowsOutsidePlan: number;
  /** Lines InfluxDB accepted (all measurements); lines refused (dead-lettered). */
  linesAccepted: number;
  linesRejected: number;
};

export type IvChange = { compared: number; changed: number; becameMissing: number; becameKnown: number; median: number | null; worst: number | null };

export type IngestReport = {
  trees: string[];
  daysFound: number;
  daysSkippedDone: number;
  counts: IngestCounts;
  /** Files not read (not G6 CSV, unreadable) and torn lines, with where. */
  skipped: { path: string; reason: string }[];
  /** Only with recompute. */
  ivChange: IvChange | null;
  /** Payloads left in the spool at the end (delivered by the next ingest or g6 run). */
  spooled: number;
  interrupted: boolean;
  seconds: number;
};

const PROGRESS_FILE = "ingest-progress.json";

function zeroCounts(): IngestCounts {
  return {
    days: 0, files: 0, filesNotRead: 0, rowsRead: 0, optionRowsRead: 0, overviewRowsRead: 0, duplicates: 0, tornLines: 0, badRows: 0, zerosAsMissing: 0,
    optionRowsWritten: 0, legsWritten: 0, overviewRowsWritten: 0, optionRowsInTwoFiles: 0, optionRowsOutsidePlan: 0, linesAccepted: 0, linesRejected: 0,
  };
}

function addCounts(into: IngestCounts, c: IngestCounts): void {
  for (const k of Object.keys(into) as (keyof IngestCounts)[]) into[k] += c[k];
}

/** A leg has an option_data line when any of these is known (src/sinks/influx/lines.ts). */
function legHasValue(b: ChainBatch, i: number): boolean {
  return (
    Number.isFinite(b.last[i]!) || Number.isFinite(b.oi[i]!) || Number.isFinite(b.volume[i]!) || Number.isFinite(b.iv[i]!) || Number.isFinite(b.delta[i]!) ||
    Number.isFinite(b.gamma[i]!) || Number.isFinite(b.theta[i]!) || Number.isFinite(b.vega[i]!) || Number.isFinite(b.rho[i]!) || Number.isFinite(b.bid[i]!) ||
    Number.isFinite(b.ask[i]!) || Number.isFinite(b.avg[i]!) || Number.isFinite(b.quoteTime[i]!)
  );
}

/** IV changes in units of the written decimals (10^-6): exact counts of each change, for an exact median. */
class IvTally {
  compared = 0;
  changed = 0;
  becameMissing = 0;
  becameKnown = 0;
  private readonly byUnits = new Map<number, number>();
  add(recorded: number, recomputed: number): void {
    const scale = 10 ** DECIMALS.iv;
    const r = Number.isFinite(recorded);
    const c = Number.isFinite(recomputed);
    if (!r && !c) return;
    if (r && !c) return void this.becameMissing++;
    if (!r && c) return void this.becameKnown++;
    this.compared++;
    const units = Math.abs(Math.round(recomputed * scale) - Math.round(recorded * scale));
    if (units) this.changed++;
    this.byUnits.set(units, (this.byUnits.get(units) ?? 0) + 1);
  }
  result(): IvChange {
    const scale = 10 ** DECIMALS.iv;
    const keys = [...this.byUnits.keys()].sort((a, b) => a - b);
    let median: number | null = null;
    let seen = 0;
    for (const k of keys) {
      seen += this.byUnits.get(k)!;
      if (seen * 2 >= this.compared) {
        median = k / scale;
        break;
      }
    }
    return { compared: this.compared, changed: this.changed, becameMissing: this.becameMissing, becameKnown: this.becameKnown, median, worst: keys.length ? keys.at(-1)! / scale : null };
  }
}

/** What one cycle wrote: option rows (distinct contract rows with a value), legs, overview rows; IV changes against the record. */
function countCycle(result: CycleResult, counts: IngestCounts, day: RecordedDay | null, iv: IvTally | null): void {
  const b = result.batch;
  const seen = new Set<string>();
  for (let g = 0; g < b.groups; g++) {
    const index = b.labels.index[g]!;
    const expiry = b.labels.expiry[g]!;
    // An expiry collected under two tags is written once (as the sink does).
    if (seen.has(`${index} ${expiry}`)) continue;
    seen.add(`${index} ${expiry}`);
    const rowStrikes = new Set<number>();
    const recorded = iv && day ? day.rowsAt(index, expiry, result.at) : undefined;
    for (let i = b.start[g]!; i < b.end[g]!; i++) {
      if (!legHasValue(b, i)) continue;
      counts.legsWritten++;
      rowStrikes.add(b.strike[i]!);
      const ref = recorded?.get(b.strike[i]!);
      if (iv && ref !== undefined) iv.add(day!.value(ref, b.isCall[i] === 1, "iv"), b.iv[i]!);
    }
    counts.optionRowsWritten += rowStrikes.size;
  }
  // An overview line always carries the counts and masks; it is a recorded row's when it has the index price.
  for (const s of result.indices) if (Number.isFinite(s.spot)) counts.overviewRowsWritten++;
}

/** The day's distinct option rows: (index, expiry, strike, instant) held by any file. */
function distinctOptionRows(day: RecordedDay, indices: readonly string[]): number {
  let n = 0;
  for (const index of indices) {
    for (const expiry of day.expiries(index)) {
      for (const at of day.instants) n += day.rowsAt(index, expiry, at)?.size ?? 0;
    }
  }
  return n;
}

/** The files and lines of a day not read, with why. */
function skippedOf(r: DayReport): { path: string; reason: string }[] {
  return [...r.unreadable.map((u) => ({ path: u.path, reason: u.reason })), ...r.torn.map((t) => ({ path: `${t.path}:${t.line}`, reason: "torn last line" }))];
}

type Progress = { done: Record<string, { rows: number; at: string }> };

function readProgress(path: string): Progress {
  if (!existsSync(path)) return { done: {} };
  try {
    const p = JSON.parse(readFileSync(path, "utf8")) as Progress;
    if (p && typeof p.done === "object" && p.done !== null) return p;
  } catch {
    // fall through
  }
  throw new ConfigError([`${path}: not an ingest progress file (delete it to ingest every day again)`]);
}

/** The config of one day's run: the replay of `tree` on `date`, InfluxDB only. */
function dayConfig(input: LoadInput, tree: string, date: string, indices: readonly string[], recompute: boolean): Readonly<G6Config> {
  const cli = [
    ...(input.cli ?? []),
    { path: "provider.kind", value: "replay", flag: "ingest" },
    { path: "provider.replay.path", value: tree, flag: "ingest PATH" },
    { path: "provider.replay.date", value: date, flag: "ingest" },
    { path: "provider.replay.recompute", value: recompute, flag: "--recompute" },
    { path: "interval", value: 0, flag: "ingest" },
    { path: "storage.csv.enabled", value: false, flag: "ingest" },
    { path: "storage.status.enabled", value: false, flag: "ingest" },
    { path: "storage.panels.enabled", value: false, flag: "ingest" },
    { path: "server.enabled", value: false, flag: "ingest" },
  ];
  for (const name of Object.keys(INDICES)) cli.push({ path: `indices.${name}.enabled`, value: indices.includes(name), flag: "--index" });
  return loadConfig({ ...input, cli }).config;
}

/** The indices named (checked, upper-cased), or null when none was named. */
function chooseIndices(named: readonly string[]): string[] | null {
  if (!named.length) return null;
  const known = Object.keys(INDICES);
  const bad = named.filter((n) => !known.includes(n.toUpperCase()));
  if (bad.length) throw new ConfigError([`--index: unknown ${bad.join(", ")} (known: ${known.join(", ")})`]);
  return [...new Set(named.map((n) => n.toUpperCase() as IndexName))];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Runs the ingest; throws a ConfigError (exit 2) for bad input before anything is written. */
export async function runIngest(opts: IngestOptions): Promise<IngestReport> {
  const started = performance.now();
  if (!opts.paths.length) throw new ConfigError(["ingest: give at least one G6 CSV tree (PATH...)"]);
  for (const [flag, v] of [["--from", opts.from], ["--to", opts.to]] as const) {
    if (v !== null && !ISO_DATE.test(v)) throw new ConfigError([`${flag}: expected a date YYYY-MM-DD; got ${JSON.stringify(v)}`]);
  }
  if (opts.from && opts.to && opts.from > opts.to) throw new ConfigError([`--from: ${opts.from} is after --to (${opts.to})`]);
  const base = loadConfig(opts.input).config;
  if (!base.storage.influx.enabled) throw new ConfigError(["storage.influx.enabled: false; g6 ingest writes to InfluxDB: set storage.influx (url, bucket or database, credentials) and enabled true"]);
  const named = chooseIndices(opts.indices);
  const indices = named ?? Object.entries(base.indices).filter(([, c]) => c.enabled).map(([n]) => n);
  const trees = opts.paths.map((p) => resolve(p));
  for (const t of trees) {
    if (!existsSync(t) || !statSync(t).isDirectory()) throw new ConfigError([`ingest: ${t}: no such directory`]);
  }
  const work: { tree: string; date: string }[] = [];
  for (const tree of trees) for (const date of datesInRange(tree, indices, opts.from ?? "0000-01-01", opts.to ?? "9999-12-31")) work.push({ tree, date });
  if (!work.length) {
    const range = opts.from || opts.to ? ` from ${opts.from ?? "the first day"} to ${opts.to ?? "the last"}` : "";
    throw new ConfigError([`ingest: no recorded days${range} for ${indices.join(", ")} under ${trees.join(", ")} (looked for overview/<INDEX>/<date>.csv, <INDEX>/<tag>/<offset>/<date>.csv, expiry_v1/<INDEX>/<tag>/<date>.csv)`]);
  }
  work.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : a.tree < b.tree ? -1 : 1));

  const spoolDir = influxSpoolDir(base);
  mkdirSync(spoolDir, { recursive: true });
  const dayLog = oncePerRun(opts.log);
  const progressPath = join(spoolDir, PROGRESS_FILE);
  const progress = readProgress(progressPath);
  const keyOf = (w: { tree: string; date: string }) => `${w.tree}|${w.date}|${indices.join(",")}|${opts.recompute ? "recompute" : "recorded"}`;

  const total = zeroCounts();
  const skipped: IngestReport["skipped"] = [];
  const iv = opts.recompute ? new IvTally() : null;
  let skippedDone = 0;
  let interrupted = false;
  const influx = base.storage.influx;
  const spool = createDiskSpool({ dir: spoolDir, maxBytes: influx.spool_max_mb * 1024 * 1024, whenFull: influx.spool_when_full, warn: (m) => opts.log.warn(m), keepAppendedBytes: KEEP_BYTES });
  const sink = createInfluxSink({ ...influxSinkOptions(base.storage, () => Date.now()), concurrency: DELIVERY_CONCURRENCY, bytes: true });
  await sink.open();
  const delivery = createDelivery({
    spool,
    sink,
    maxBytes: influx.spool_max_mb * 1024 * 1024,
    retryBaseMs: base.storage.delivery.retry_base_ms,
    retryMaxMs: base.storage.delivery.retry_max_ms,
    log: opts.log,
    signal: opts.signal,
  });
  // Only the indices recorded that day: another index would get overview lines of an empty cycle.
  const listed = new Map<string, { recorded: string[]; paths: string[]; bytes: number }>();
  const filesOf = (w: { tree: string; date: string }) => {
    const key = `${w.tree}|${w.date}`;
    const known = listed.get(key);
    if (known) return known;
    const recorded = indices.filter((i) => {
      const f = filesOfDay(w.tree, [i], w.date);
      return f.overview.length + f.options.length > 0;
    });
    const f = filesOfDay(w.tree, recorded, w.date);
    const paths = [...f.overview, ...f.options];
    const one = { recorded, paths, bytes: paths.reduce((n, p) => n + statSync(p).size, 0) };
    listed.set(key, one);
    return one;
  };
  // The progress bar's totals: the files and bytes of the days still to ingest.
  const todo = opts.onProgress ? work.filter((w) => !progress.done[keyOf(w)]).map(filesOf) : [];
  const shown = { files: 0, filesTotal: todo.reduce((n, f) => n + f.paths.length, 0), rows: 0, bytes: 0, bytesTotal: todo.reduce((n, f) => n + f.bytes, 0) };
  const workers = poolSize(base.pool.size);
  const reader = workers > 0 ? createDayReader(workers) : null;
  let ahead: { n: number; files: Promise<Map<string, ParsedFile>> } | null = null;
  try {
    for (const [n, w] of work.entries()) {
      if (opts.signal.aborted) {
        interrupted = true;
        break;
      }
      if (progress.done[keyOf(w)]) {
        skippedDone++;
        continue;
      }
      const t0 = performance.now();
      const counts = zeroCounts();
      let day: RecordedDay | null = null;
      const { recorded, bytes: dayBytes } = filesOf(w);
      shown.files += filesOf(w).paths.length;
      let cyclesRun = 0;
      // This day's files, parsed on the reading workers (asked for while the previous day ran); the next day's asked for now.
      const parsed = reader ? await (ahead?.n === n ? ahead.files.catch(() => reader.read(filesOf(w).paths)) : reader.read(filesOf(w).paths)) : undefined;
      const next = work.findIndex((x, i) => i > n && !progress.done[keyOf(x)]);
      ahead = reader && next >= 0 ? { n: next, files: reader.read(filesOf(work[next]!).paths) } : null;
      // A read ahead that fails is asked again when its day comes.
      ahead?.files.catch(() => {});
      const config = dayConfig(opts.input, w.tree, w.date, recorded, opts.recompute);
      let exhausted: boolean;
      try {
        exhausted = await replayDayToSpool({
          config,
          log: dayLog,
          delivery,
          parsed,
          signal: opts.signal,
          onDay: (d) => void (day = d),
          onCycle: (result) => {
            countCycle(result, counts, day, iv);
            if (!opts.onProgress || !day) return;
            const share = ++cyclesRun / Math.max(1, (day as RecordedDay).instants.length);
            opts.onProgress({
              ...shown,
              rows: shown.rows + (day as RecordedDay).report.rows * share,
              bytes: shown.bytes + dayBytes * share,
              elapsedMs: performance.now() - started,
              date: w.date,
            });
          },
        });
      } catch (err) {
        // A day whose files hold no readable row: reported with its files, the next day goes on.
        const read = day as RecordedDay | null;
        if (!(err instanceof ConfigError) || !read) throw err;
        const r = read.report;
        addCounts(total, { ...zeroCounts(), files: r.files, filesNotRead: r.unreadable.length, tornLines: r.torn.length, badRows: r.badRows, duplicates: r.fileDuplicates });
        skipped.push(...skippedOf(r));
        skipped.push({ path: `${w.tree} ${w.date}`, reason: "no readable rows on this day" });
        opts.progress(`[${n + 1}/${work.length}] ${w.date} ${w.tree}: no readable rows (${r.files} files read, ${r.unreadable.length} not G6 CSV)`);
        shown.bytes += dayBytes;
        continue;
      }
      const d = day as RecordedDay | null;
      if (d) {
        const r = d.report;
        counts.files = r.files;
        counts.filesNotRead = r.unreadable.length;
        counts.rowsRead = r.rows;
        counts.optionRowsRead = r.optionRows;
        counts.overviewRowsRead = r.overviewRows;
        counts.duplicates = r.fileDuplicates;
        counts.tornLines = r.torn.length;
        counts.badRows = r.badRows;
        counts.zerosAsMissing = r.zeroAsMissing;
        skipped.push(...skippedOf(r));
      }
      if (!exhausted) {
        // Stopped before the day's end: what was handed over is in the spool; the day is ingested again on a rerun.
        interrupted = true;
        addCounts(total, counts);
        opts.progress(`${w.date} ${w.tree}: stopped after ${counts.optionRowsWritten} option rows; rerun to resume from this day`);
        break;
      }
      if (d) {
        // Distinct contract rows of the day (a row both layouts or two tags hold is one); those not written were outside the plan.
        const distinct = distinctOptionRows(d, indices);
        counts.optionRowsInTwoFiles = d.report.crossFileRows;
        counts.optionRowsOutsidePlan = Math.max(0, distinct - counts.optionRowsWritten);
      }
      counts.days = 1;
      addCounts(total, counts);
      progress.done[keyOf(w)] = { rows: counts.rowsRead, at: new Date().toISOString() };
      shown.rows += counts.rowsRead;
      shown.bytes += dayBytes;
      writeFileAtomic(progressPath, `${JSON.stringify(progress, null, 1)}\n`);
      const secs = (performance.now() - t0) / 1000;
      opts.progress(
        `[${n + 1}/${work.length}] ${w.date} ${w.tree}: ${counts.files} files, ${counts.rowsRead} rows read, ${counts.optionRowsWritten} option rows written` +
          (counts.optionRowsOutsidePlan ? `, ${counts.optionRowsOutsidePlan} outside the configured plan` : "") +
          `, ${Math.round(counts.rowsRead / Math.max(secs, 1e-3))} rows/s`,
      );
    }
    // What is spooled is delivered before the report; a server still refusing after the shutdown
    // deadline leaves the rest in the spool for the next run (reported).
    await delivery.finish(base.storage.delivery.shutdown_seconds * 1000);
  } finally {
    reader?.close();
    await spool.close();
    await sink.close();
  }
  total.linesAccepted = delivery.accepted;
  total.linesRejected = delivery.rejected;
  return {
    trees,
    daysFound: work.length,
    daysSkippedDone: skippedDone,
    counts: total,
    skipped,
    ivChange: iv?.result() ?? null,
    spooled: delivery.pending,
    interrupted,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The report for people. */
export function describeIngest(r: IngestReport): string[] {
  const c = r.counts;
  const out = [
    `g6 ingest: ${r.interrupted ? "stopped (a rerun resumes)" : "done"} in ${r.seconds.toFixed(1)} s · ${c.days} days ingested, ${r.daysSkippedDone} already done, of ${r.daysFound} found`,
    `read: ${c.files} files, ${c.rowsRead} rows (${c.optionRowsRead} option, ${c.overviewRowsRead} overview) · ${Math.round(c.rowsRead / Math.max(r.seconds, 1e-3))} rows/s`,
    `written: ${c.optionRowsWritten} option rows (${c.legsWritten} legs), ${c.overviewRowsWritten} overview rows · ${c.linesAccepted} lines accepted by InfluxDB${c.linesRejected ? `, ${c.linesRejected} refused (dead-letter file)` : ""}`,
    `skipped: ${c.duplicates} rows a file held twice (written once), ${c.tornLines} torn lines, ${c.badRows} unreadable rows, ${c.filesNotRead} files not read, ${c.optionRowsInTwoFiles} option rows another file also held (other layout or second tag; written once), ${c.optionRowsOutsidePlan} option rows outside the configured plan (indices, expiries, strikes); ${c.zerosAsMissing} zeros read as missing (absent fields)`,
  ];
  for (const s of r.skipped.slice(0, 10)) out.push(`  ${s.path}: ${s.reason}`);
  if (r.skipped.length > 10) out.push(`  … ${r.skipped.length - 10} more (--json lists all)`);
  if (r.ivChange) {
    const v = r.ivChange;
    out.push(
      `recompute: IV of ${v.compared} legs compared with the record: ${v.changed} changed (median change ${v.median ?? "–"}, worst ${v.worst ?? "–"}); ${v.becameMissing} recorded IVs now missing (unidentifiable), ${v.becameKnown} missing IVs now solved`,
    );
  }
  if (r.spooled) out.push(`${r.spooled} payloads still in the spool: delivered by the next g6 ingest or g6 run with this data directory`);
  return out;
}
