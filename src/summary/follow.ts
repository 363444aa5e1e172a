/**
 * The loop of `g6 summary`. It shows the engine's documents from its server while the server
 * answers and writes the data directory asked for; otherwise from the status file. While on
 * the file it tries the server again with backoff (from `retry.minMs`, doubling up to
 * `retry.maxMs`; back to the minimum after a server that answered goes away) and switches back
 * when it answers. A redraw every `tickMs` keeps the data age on screen current, so data that
 * stops changing turns stale by itself.
 */
import { alertStateFromStatus, createAlertFeed } from "../alerts/index.ts";
import type { MarketCalendar } from "../market/calendar.ts";
import { formatIsoIst } from "../market/ist.ts";
import { snapshotFromStatus, type ClientDocument, type DocumentOrigin } from "./client.ts";
import type { Display } from "./dashboard.ts";
import { summaryAlert, type AlertLevel, type SummaryAlert, type SummaryLinks } from "./model.ts";
import { MAX_ALERTS } from "./tracker.ts";
import { liveDocuments, readStatusFile, type Timeouts } from "./remote.ts";

/** `--once` found nothing to show: no server (or not the engine asked for) and no status file. */
export class SummaryUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SummaryUnavailable";
  }
}

export type SummaryClientOptions = {
  display: Display;
  /** The engine's base URL (http://127.0.0.1:9108), or null to read only the status file. */
  serverUrl: string | null;
  token: string | null;
  /** The data directory asked for: a server writing another one is not used. */
  dataDir: string;
  statusFile: string;
  /** Status file polling period, ms. */
  pollMs: number;
  timeouts: Timeouts;
  /** Delay before trying the server again, ms: from minMs, doubling up to maxMs. */
  retry: { minMs: number; maxMs: number };
  /** Redraw period that keeps the data age current, ms. */
  tickMs: number;
  calendar: MarketCalendar;
  links: SummaryLinks;
  windowCycles: number;
  /** Wall clock, epoch ms. */
  now: () => number;
  signal: AbortSignal;
  /**
   * Stop after this many documents (0: until aborted). With a limit, finding nothing to show
   * throws SummaryUnavailable instead of waiting, and a server without a finished cycle is
   * passed over for the status file.
   */
  limit: number;
};

/** Reader alerts kept (lost server, live again, ...). */
const MAX_NOTES = 3;

/** `written_at` of the document when it has one, else `fallback` (epoch ms). */
function writtenAt(doc: ClientDocument, fallback: number): number {
  const t = typeof doc.written_at === "string" ? Date.parse(doc.written_at) : Number.NaN;
  return Number.isFinite(t) ? t : fallback;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

/** What is on screen: the last document and where it came from, the cycle-time window, notes. */
function createView(o: SummaryClientOptions, reachedLimit: () => void) {
  const cycleMs: number[] = [];
  const notes: SummaryAlert[] = [];
  const feed = createAlertFeed();
  const raised: SummaryAlert[] = [];
  let last: { doc: ClientDocument; origin: DocumentOrigin } | null = null;
  let lastCycle = -1;
  let shown = 0;
  let waitingFor = "";
  let dirty = false;
  const redraw = () => {
    dirty = false;
    if (!last) return;
    const ctx = { calendar: o.calendar, now: o.now(), cycleMsHistory: cycleMs, links: o.links, origin: last.origin, raised, alerts: notes };
    o.display.show(snapshotFromStatus(last.doc, ctx));
  };
  return {
    redraw,
    /** True when a note is not on screen yet. */
    get dirty() {
      return dirty;
    },
    get kind() {
      return last?.origin.kind ?? null;
    },
    show(doc: ClientDocument, origin: DocumentOrigin) {
      if (doc.cycle !== lastCycle && typeof doc.cycle_ms === "number") {
        cycleMs.push(doc.cycle_ms);
        if (cycleMs.length > o.windowCycles) cycleMs.shift();
      }
      // The same rules as the engine's dashboard: raised on change between the documents read.
      raised.push(...feed.observe(alertStateFromStatus(doc)).map(summaryAlert));
      if (raised.length > MAX_ALERTS) raised.splice(0, raised.length - MAX_ALERTS);
      lastCycle = doc.cycle;
      last = { doc, origin };
      redraw();
      if (o.limit > 0 && ++shown >= o.limit) reachedLimit();
    },
    /** Adds a reader alert; it shows with the next document (or the next redraw). */
    note(level: AlertLevel, message: string) {
      notes.push({ level, at: formatIsoIst(o.now()), message });
      if (notes.length > MAX_NOTES) notes.shift();
      dirty = true;
    },
    /** Tells the user what is awaited while there is nothing to show (once per message). */
    waiting(message: string) {
      if (last || message === waitingFor) return;
      waitingFor = message;
      o.display.notice(message);
    },
  };
}

/** Runs `g6 summary` until aborted (or `limit` documents); returns the kind of the last source. */
export async function runSummaryClient(o: SummaryClientOptions): Promise<"live" | "file" | null> {
  const inner = new AbortController();
  const stop = () => inner.abort();
  o.signal.addEventListener("abort", stop, { once: true });
  if (o.signal.aborted) stop();
  const view = createView(o, stop);
  const ticker = setInterval(view.redraw, o.tickMs);
  let retryAt = 0;
  let delay = o.retry.minMs;
  let stamp = "";
  let serverReason = "";
  try {
    while (!inner.signal.aborted) {
      if (o.serverUrl && o.now() >= retryAt) {
        const url = o.serverUrl;
        const feed = liveDocuments({ baseUrl: url, token: o.token, dataDir: o.dataDir, timeouts: o.timeouts, signal: inner.signal, requireData: o.limit > 0 });
        const before = view.kind;
        let live = false;
        let step = await feed.next();
        for (; !step.done; step = await feed.next()) {
          if (!live && before === "file") view.note("info", `live again: ${url}`);
          live = true;
          view.show(step.value, { kind: "live", location: url, writtenAt: writtenAt(step.value, o.now()) });
        }
        if (inner.signal.aborted) break;
        if (live) {
          view.note("warn", `lost ${url}: ${step.value}; reading ${o.statusFile}`);
          delay = o.retry.minMs;
          stamp = "";
        } else if (step.value !== serverReason) {
          view.note("info", `${url}: ${step.value}; reading ${o.statusFile}`);
        }
        serverReason = step.value;
        retryAt = o.now() + delay;
        if (!live) delay = Math.min(delay * 2, o.retry.maxMs);
      }
      const file = readStatusFile(o.statusFile, stamp);
      if (file.kind === "doc") {
        stamp = file.stamp;
        view.show(file.doc, { kind: "file", location: o.statusFile, writtenAt: writtenAt(file.doc, file.mtimeMs) });
      } else if (file.kind === "missing" && view.kind === null) {
        const why = `${o.serverUrl ? `${o.serverUrl}: ${serverReason}; ` : ""}${file.reason}`;
        if (o.limit > 0) throw new SummaryUnavailable(`no g6 to show: ${why}`);
        view.waiting(`waiting for g6: ${why}`);
      }
      if (view.dirty) view.redraw();
      await sleep(o.pollMs, inner.signal);
    }
  } finally {
    clearInterval(ticker);
    o.signal.removeEventListener("abort", stop);
  }
  return view.kind;
}
