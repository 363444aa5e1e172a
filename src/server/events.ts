/**
 * Server-Sent Events for /events: a hub that keeps a bounded backlog of numbered events, a
 * bounded set of clients and one heartbeat timer. A client gets a `snapshot` event on connect
 * (or, with a Last-Event-ID still in the backlog, the events it missed instead), then every
 * event as it is published, and a comment line every heartbeat.
 */
import { formatIsoIst } from "../market/index.ts";
import { statusFileDocument } from "../sinks/status/sink.ts";
import { newestQuotes } from "../summary/model.ts";
import type { CycleResult, EngineStats, MarketStatus } from "../contracts/index.ts";

export type HubEvent = { id: number; event: string; data: string };

export type EventHubOptions = {
  /** Events kept for resume. */
  backlog: number;
  maxClients: number;
  /** Heartbeat interval, ms. */
  heartbeatMs: number;
  /** The full state for a `snapshot` event (JSON-serialisable). */
  snapshot: () => unknown;
};

export type EventHub = {
  readonly clients: number;
  /** Numbers, keeps and sends an event to every client. */
  publish(event: string, data: unknown): void;
  /** A streaming response for a new client, or null when the client limit is reached. */
  connect(lastEventId: string | null): Response | null;
  /** Ends every stream and stops the heartbeat. */
  close(): void;
};

const encoder = new TextEncoder();
const frame = (e: HubEvent) => encoder.encode(`id: ${e.id}\nevent: ${e.event}\ndata: ${e.data}\n\n`);

export function createEventHub(opts: EventHubOptions): EventHub {
  const backlog: HubEvent[] = [];
  const clients = new Set<ReadableStreamDefaultController<Uint8Array>>();
  let lastId = 0;
  let heartbeat: ReturnType<typeof setInterval> | null = null;

  const send = (c: ReadableStreamDefaultController<Uint8Array>, bytes: Uint8Array) => {
    try {
      c.enqueue(bytes);
    } catch {
      // The stream is already closed (client gone): forget it.
      clients.delete(c);
    }
  };
  const beat = () => {
    const bytes = encoder.encode(": heartbeat\n\n");
    for (const c of clients) send(c, bytes);
  };
  /** Events after `id`, when the backlog still holds all of them. */
  const missedSince = (id: number): HubEvent[] | null => {
    if (!Number.isInteger(id) || id < 0 || id > lastId) return null;
    if (id === lastId) return [];
    const first = backlog[0];
    if (!first || first.id > id + 1) return null;
    return backlog.filter((e) => e.id > id);
  };

  return {
    get clients() {
      return clients.size;
    },
    publish(event, data) {
      const e: HubEvent = { id: ++lastId, event, data: JSON.stringify(data) };
      backlog.push(e);
      if (backlog.length > opts.backlog) backlog.splice(0, backlog.length - opts.backlog);
      const bytes = frame(e);
      for (const c of clients) send(c, bytes);
    },
    connect(lastEventId) {
      if (clients.size >= opts.maxClients) return null;
      let self: ReadableStreamDefaultController<Uint8Array> | null = null;
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          self = controller;
          clients.add(controller);
          controller.enqueue(encoder.encode(`retry: 2000\n\n`));
          const missed = lastEventId === null ? null : missedSince(Number(lastEventId));
          if (missed) for (const e of missed) controller.enqueue(frame(e));
          else controller.enqueue(frame({ id: lastId, event: "snapshot", data: JSON.stringify(opts.snapshot()) }));
          heartbeat ??= setInterval(beat, opts.heartbeatMs);
        },
        cancel() {
          if (self) clients.delete(self);
        },
      });
      return new Response(stream, {
        headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" },
      });
    },
    close() {
      if (heartbeat) clearInterval(heartbeat);
      heartbeat = null;
      for (const c of clients) {
        try {
          c.close();
        } catch {
          // Already closed by the client.
        }
      }
      clients.clear();
    },
  };
}

const finite = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/**
 * Figures of a cycle that a remote dashboard shows but the status file does not carry: per
 * index the change against the previous close (points, and as a fraction) and the data age
 * (snapshot instant minus the newest quote, seconds); per expiry the support and resistance
 * strikes. NaN becomes null.
 */
export function marketFigures(r: CycleResult) {
  const newest = newestQuotes(r);
  return {
    indices: r.indices.map((i) => ({
      index: i.index,
      prev_close: finite(i.prevClose, 2),
      change: finite(i.spot - i.prevClose, 2),
      change_pct: finite((i.spot - i.prevClose) / i.prevClose, 6),
      data_age_seconds: finite((r.at - (newest.get(i.index) ?? Number.NaN)) / 1000, 3),
    })),
    expiries: r.expiries.map((e) => ({ index: e.index, tag: e.tag, support: finite(e.support, 2), resistance: finite(e.resistance, 2) })),
  };
}

export type MarketFigures = ReturnType<typeof marketFigures>;

/**
 * The document of /status and of the `snapshot` event: the status file's document (`written_at`
 * is when the engine emitted the cycle) plus the
 * engine's data directory (absolute, so `g6 summary` can tell engines apart) and the cycle's
 * market figures.
 */
export function liveStatusDocument(r: CycleResult, s: Readonly<EngineStats>, dataDir: string | null, observedAt: number, session: MarketStatus | null = null) {
  return { ...statusFileDocument(r, s, { state: "running", writtenAt: observedAt, stoppedAt: null }, session), data_dir: dataDir, market: marketFigures(r) };
}

/** A compact per-cycle event: what a dashboard needs to refresh without the full snapshot. */
export function cycleEvent(r: CycleResult, s: Readonly<EngineStats>) {
  return {
    cycle: r.cycle,
    snapshot_at: formatIsoIst(r.at),
    status: r.status,
    cycle_ms: Number(s.lastCycleMs.toFixed(3)),
    load_shed: s.load?.shed ?? [],
    legs: { requested: r.legsRequested, collected: r.legsCollected },
    indices: r.indices.map((i) => ({ index: i.index, status: i.status, spot: Number.isFinite(i.spot) ? i.spot : null })),
    market: marketFigures(r),
  };
}
