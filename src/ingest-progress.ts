/**
 * g6 ingest's progress on a terminal: one bar line on stderr (files, rows, rows/s, ETA), redrawn
 * at most every `minIntervalMs` (100 ms: 10 times a second) and cleared at the end; when stderr
 * is not a terminal, the plain per-day lines instead (logs, CI, pipes). The ETA is by bytes (a
 * day's rows are known only once it is read; its files' sizes before).
 */

export type IngestProgress = {
  /** Files of the days done or being ingested, of all days to ingest. */
  files: number;
  filesTotal: number;
  /** CSV rows ingested so far (the day being ingested by its share of instants done). */
  rows: number;
  /** Bytes of CSV ingested so far (the same share), of all. */
  bytes: number;
  bytesTotal: number;
  elapsedMs: number;
  /** The day being ingested. */
  date: string;
};

const group = (n: number) => Math.round(n).toLocaleString("en-US");

/** m:ss or h:mm:ss. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The bar line, at most `width` characters. */
export function renderBar(p: IngestProgress, width: number): string {
  const fraction = p.bytesTotal > 0 ? Math.min(1, p.bytes / p.bytesTotal) : 0;
  const secs = p.elapsedMs / 1000;
  const rate = secs > 0 ? p.rows / secs : 0;
  const eta = fraction > 0 && fraction < 1 ? clock((secs * (1 - fraction)) / fraction) : fraction >= 1 ? "0:00" : "–";
  const facts = ` ${String(Math.floor(fraction * 100)).padStart(3)}% · ${p.date} · files ${p.files}/${p.filesTotal} · ${group(p.rows)} rows · ${group(rate)} rows/s · ETA ${eta}`;
  const barWidth = Math.max(0, Math.min(30, width - facts.length - 2));
  if (barWidth < 5) return facts.trim().slice(0, width);
  const full = Math.round(fraction * barWidth);
  return `[${"#".repeat(full)}${"-".repeat(barWidth - full)}]${facts}`.slice(0, width);
}

export type ProgressView = {
  /** New figures: redrawn on a terminal (throttled), nothing otherwise. */
  update(p: IngestProgress): void;
  /** A day's line: printed when not on a terminal. */
  line(text: string): void;
  /** Clears the bar (a terminal); idempotent. */
  done(): void;
};

export function createProgressView(opts: {
  tty: boolean;
  /** Where the bar goes (stderr). */
  write: (s: string) => void;
  /** Where the per-day lines go (not a terminal). */
  print: (line: string) => void;
  columns: () => number;
  now: () => number;
  minIntervalMs?: number;
}): ProgressView {
  const every = opts.minIntervalMs ?? 100;
  let last = Number.NEGATIVE_INFINITY;
  let drawn = false;
  return {
    update(p) {
      if (!opts.tty) return;
      const t = opts.now();
      if (t - last < every) return;
      last = t;
      opts.write(`\r${renderBar(p, Math.max(20, opts.columns() - 1))}\x1b[K`);
      drawn = true;
    },
    line(text) {
      if (!opts.tty) opts.print(text);
    },
    done() {
      if (drawn) opts.write("\r\x1b[K");
      drawn = false;
    },
  };
}
