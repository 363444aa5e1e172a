/**
 * `g6 summary`: the dashboard for an engine running elsewhere on the machine. It reads the
 * engine's `/events` stream (server-sent events, each a status document) and, when the server
 * cannot be reached, polls the status file the engine rewrites every cycle. Each document
 * becomes a `SummarySnapshot` (`snapshotFromStatus`, pure); figures the status document does
 * not carry (index change, support/resistance, data age, pool) stay missing.
 */
import { statSync, readFileSync } from "node:fs";
import type { MarketCalendar } from "../market/calendar.ts";
import { formatIsoIst, istEpoch } from "../market/ist.ts";
import type { statusDocument } from "../sinks/status/sink.ts";
import { SUMMARY_SCHEMA_VERSION, type SummaryAlert, type SummaryLinks, type SummarySnapshot, type SummaryStatus } from "./model.ts";
import { percentile } from "./stats.ts";

export type StatusDocument = ReturnType<typeof statusDocument>;

const n = (x: number | null | undefined) => (typeof x === "number" ? x : Number.NaN);

/** Epoch ms of an ISO instant with offset ("2026-11-20T10:00:00+05:30"). */
const epochOf = (iso: string) => (iso.endsWith("+05:30") ? istEpoch(iso.slice(0, 10), iso.slice(11, 19)) : Date.parse(iso));

export type StatusContext = {
  calendar: MarketCalendar;
  /** Wall clock, epoch ms. */
  now: number;
  /** Cycle wall times seen so far (window), ms, including this document's. */
  cycleMsHistory: readonly number[];
  links: SummaryLinks;
};

/** The snapshot of a status document (pure). */
export function snapshotFromStatus(doc: StatusDocument, ctx: StatusContext): SummarySnapshot {
  const at = epochOf(doc.snapshot_at);
  const open = ctx.calendar.isOpen(at);
  const alerts: SummaryAlert[] = [];
  if (doc.last_error) alerts.push({ level: "error", at: formatIsoIst(Date.parse(doc.last_error.at)), message: doc.last_error.message });
  for (const i of doc.indices) if (i.status !== "OK") alerts.push({ level: "warn", at: doc.snapshot_at, message: `${i.index} ${i.status}${i.reason ? `: ${i.reason}` : ""}` });
  const sinks = Object.entries(doc.sinks).map(([name, t]) => ({ name, rows: t.rows, bytes: t.bytes, errors: t.errors }));
  return {
    schemaVersion: SUMMARY_SCHEMA_VERSION,
    header: {
      clock: doc.snapshot_at,
      marketOpen: open,
      nextOpen: open ? null : formatIsoIst(ctx.calendar.nextOpen(at)),
      provider: doc.provider,
      auth: doc.errors.some((e) => e.code === "auth") ? "failed" : "ok",
      cycle: doc.cycle,
      intervalSeconds: doc.interval_seconds,
      uptimeSeconds: Math.max(0, Math.floor((ctx.now - Date.parse(doc.started_at)) / 1000)),
      status: doc.status as SummaryStatus,
    },
    indices: doc.indices.map((i) => ({
      index: i.index,
      spot: n(i.spot),
      change: Number.NaN,
      changePct: Number.NaN,
      atm: n(i.atm),
      legsCollected: i.legs_collected,
      legsRequested: i.legs_requested,
      coverage: i.legs_requested > 0 ? i.legs_collected / i.legs_requested : Number.NaN,
      status: i.status,
      reason: i.reason,
      dataAgeSeconds: Number.NaN,
    })),
    expiries: doc.indices.flatMap((i) =>
      i.expiries.map((e) => ({
        index: i.index,
        tag: e.tag,
        expiry: e.expiry,
        pcr: n(e.pcr_oi),
        maxPain: n(e.max_pain),
        maxPainDistance: n(e.max_pain) - n(i.spot),
        atmIv: n(e.atm_iv),
        impliedMove: n(e.implied_move),
        support: Number.NaN,
        resistance: Number.NaN,
        status: e.status,
      })),
    ),
    performance: {
      lastMs: n(doc.cycle_ms),
      p50Ms: percentile(ctx.cycleMsHistory, 0.5),
      p95Ms: percentile(ctx.cycleMsHistory, 0.95),
      windowCycles: ctx.cycleMsHistory.length,
      budgetUsed: n(doc.budget_used),
      overruns: doc.overruns,
      skippedTicks: doc.skipped_ticks,
      poolWorkers: Number.NaN,
      poolRestarts: Number.NaN,
    },
    storage: {
      sinks,
      rows: sinks.filter((s) => s.name !== "influx").reduce((a, s) => a + s.rows, 0),
      points: sinks.filter((s) => s.name === "influx").reduce((a, s) => a + s.rows, 0),
      lagMs: Math.max(0, n(doc.cycle_ms) - n(doc.timings_ms.total)),
      errors: sinks.reduce((a, s) => a + s.errors, 0),
    },
    alerts,
    links: ctx.links,
  };
}

const isStatusDocument = (x: unknown): x is StatusDocument =>
  typeof x === "object" && x !== null && typeof (x as StatusDocument).cycle === "number" && Array.isArray((x as StatusDocument).indices);

/** The status document at `url` (the engine's /status), or null when it cannot be had. */
async function fetchStatus(url: string, signal: AbortSignal, headers: Record<string, string>): Promise<StatusDocument | null> {
  try {
    const res = await fetch(url, { signal, headers });
    const body: unknown = res.ok ? await res.json() : null;
    return isStatusDocument(body) ? body : null;
  } catch {
    return null;
  }
}

/**
 * Status documents from the engine's SSE stream at `url`, in order. An event carrying a whole
 * status document (the first `snapshot`) is used as is; a compact per-cycle event is the cue to
 * fetch the full document from `statusUrl`. Calls `connected(false)` (and yields nothing) when
 * the server cannot be reached or does not answer with an event stream.
 */
export async function* sseDocuments(
  url: string,
  signal: AbortSignal,
  token: string | null,
  statusUrl: string,
  connected: (ok: boolean) => void,
): AsyncGenerator<StatusDocument> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { accept: "text/event-stream", ...auth } });
  } catch {
    connected(false);
    return;
  }
  if (!res.ok || !res.body || !(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    connected(false);
    return;
  }
  connected(true);
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
        const data = event
          .split(/\r?\n/)
          .filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).replace(/^ /, ""))
          .join("\n");
        if (!data) continue;
        try {
          const parsed: unknown = JSON.parse(data);
          const doc = isStatusDocument(parsed) && "timings_ms" in parsed ? parsed : await fetchStatus(statusUrl, signal, auth);
          if (doc) yield doc;
        } catch (err) {
          // A non-JSON event (e.g. a notice) carries no snapshot; the next cycle's event will.
          if (!(err instanceof SyntaxError)) throw err;
        }
      }
    }
  } catch (err) {
    if (!signal.aborted) throw err;
  }
}

/** Status documents from polling `file` every `pollMs`, one per change of the file. */
export async function* pollStatusFile(file: string, pollMs: number, signal: AbortSignal): AsyncGenerator<StatusDocument> {
  let lastStamp = "";
  while (!signal.aborted) {
    try {
      const st = statSync(file);
      const stamp = `${st.mtimeMs}|${st.size}|${st.ino}`;
      if (stamp !== lastStamp) {
        const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
        lastStamp = stamp;
        if (isStatusDocument(parsed)) yield parsed;
      }
    } catch {
      // Not there yet (engine starting) or mid-replacement: try again next poll.
    }
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, pollMs);
      signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
    });
  }
}
