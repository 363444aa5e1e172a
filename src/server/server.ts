/**
 * The G6 HTTP API (Bun.serve): GET /metrics, /healthz, /readyz, /status and /events (SSE), and
 * the web dashboard (src/web: the page under /, its JSON under /api/, POST /login).
 * Binds `server.host` (127.0.0.1 by default). With `server.token` set, every request must carry
 * `Authorization: Bearer <token>`; the token is compared in constant time and never logged.
 * Scrapes render the registry on demand; they never run inside a cycle.
 */
import type { ConsolaInstance } from "consola";
import { createHash, timingSafeEqual } from "node:crypto";
import { realpathSync } from "node:fs";
import { resolve } from "node:path";
import { alertStateFromCycle, createAlertFeed, type AlertSource } from "../alerts/index.ts";
import type { G6Config } from "../config/schema.ts";
import { type EngineStats, errorMessage, sessionDocument } from "../contracts/index.ts";
import type { Observability } from "../metrics/index.ts";
import type { LatestState } from "../state/index.ts";
import { createWebDashboard } from "../web/dashboard.ts";
import type { CsvLayout } from "../web/rebuild.ts";
import { createEventHub, cycleEvent, liveStatusDocument } from "./events.ts";

export type ServerSettings = Readonly<G6Config["server"]>;

/** The server could not start (e.g. the port is taken): a configuration problem, exit 2. */
export class ServerStartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ServerStartError";
  }
}

export type G6Server = {
  /** Base URL, e.g. http://127.0.0.1:9108 (the real port when configured as 0). */
  readonly url: string;
  readonly port: number;
  /** Closes /events streams and the listener. */
  stop(): Promise<void>;
};

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

const json = (body: unknown, status = 200) =>
  new Response(`${JSON.stringify(body)}\n`, { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" } });
const text = (body: string, status: number, headers: Record<string, string> = {}) =>
  new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8", ...headers } });

const digest = (s: string) => createHash("sha256").update(s).digest();

/** True when `header` carries the bearer token (constant time in the token's content). */
export function bearerMatches(header: string | null, token: string): boolean {
  const m = /^Bearer (.+)$/.exec(header ?? "");
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

/** Actions a client may ask of the running engine (POST routes), and what the server reports about it. */
export type ServerActions = {
  /** POST /config/reload: re-read the config file; 200 with what applied, 422 when rejected. */
  reload?: () => { ok: true; applied: string[]; restartNeeded: string[] } | { ok: false; error: string };
  /**
   * The data directory the engine writes: /status and /events report it (absolute), so that
   * `g6 summary --data-dir DIR` talks only to the engine writing DIR.
   */
  dataDir?: string;
  /** The CSV sink's directory and layout: the web dashboard reads the day's files back on start (absent: it does not). */
  csv?: { dir: string; layout: CsvLayout } | null;
  /** Wall clock for the dashboard's sessions and date, epoch ms (default Date.now). */
  now?: () => number;
};

/** `dir` as an absolute path with symlinks resolved when it exists (how engines are told apart). */
export function canonicalDir(dir: string): string {
  try {
    return realpathSync(dir);
  } catch {
    return resolve(dir);
  }
}

/**
 * What the server reads: the latest-state store (/status, /readyz, /events) and the metrics
 * exposition (/metrics). The App has both.
 */
export type ServerSources = {
  readonly state: LatestState;
  readonly observability: Pick<Observability, "render" | "contentType">;
  /** The run's alert stream (the App's): /events sends its alerts. Absent: the server derives the change alerts from the cycles itself. */
  readonly alerts?: AlertSource;
};

/**
 * Starts listening and returns at once. Throws ServerStartError when the address cannot be
 * bound (port in use, address not available). Subscribes to the store for /events. /status, the
 * `snapshot` event and each `cycle` event come from one published snapshot, so their counters
 * are those of the cycle they show.
 */
export function startServer(settings: ServerSettings, sources: ServerSources, log?: ConsolaInstance, actions: ServerActions = {}): G6Server {
  const { state, observability: metrics } = sources;
  // A cycle's counters as published, beside the storage counters as they are now (sinks write
  // between cycles): the same counters /readyz reads.
  const withLiveStorage = (stats: Readonly<EngineStats>): Readonly<EngineStats> => ({ ...stats, sinks: state.storage() });
  // Resolved per request: the directory may appear (or be replaced by a link) after start.
  const dataDir = () => (actions.dataDir === undefined ? null : canonicalDir(actions.dataDir));
  const hub = createEventHub({
    backlog: settings.sse_backlog,
    maxClients: settings.sse_max_clients,
    heartbeatMs: settings.heartbeat_seconds * 1000,
    snapshot: () => {
      const last = state.latest();
      return last ? liveStatusDocument(last.result, withLiveStorage(last.stats), dataDir(), last.observedAt, state.market()) : beforeFirstCycle();
    },
  });
  /** Before any cycle: "idle" while a live provider's market is closed (nothing is wrong), else "starting". */
  const beforeFirstCycle = () => {
    const closed = state.market()?.state === "closed";
    return { status: closed ? "idle" : "starting", data_dir: dataDir(), session: sessionDocument(state.market()), readiness: state.readiness() };
  };
  const stream = sources.alerts;
  const alerts = stream ? null : createAlertFeed();
  // A cycle emitted before the server started is the baseline: its standing conditions are in the snapshot.
  const latest = state.latest();
  if (latest) alerts?.observe(alertStateFromCycle(latest.result, latest.stats));
  const unsubscribeCycles = state.subscribe(({ result, stats }) => {
    hub.publish("cycle", cycleEvent(result, stats));
    if (alerts) for (const alert of alerts.observe(alertStateFromCycle(result, stats))) hub.publish("alert", alert);
  });
  // The run's stream publishes a cycle's alerts after the cycle is published, so each `alert` event follows its `cycle` event.
  const unsubscribeAlerts = stream?.subscribe((list) => {
    for (const alert of list) hub.publish("alert", alert);
  });
  const unsubscribe = () => {
    unsubscribeCycles();
    unsubscribeAlerts?.();
  };

  const web = settings.dashboard
    ? createWebDashboard({
        token: settings.token,
        points: settings.dashboard_points,
        state,
        csv: actions.csv ?? null,
        now: actions.now ?? Date.now,
        tokenMatches: (t) => settings.token !== null && bearerMatches(`Bearer ${t}`, settings.token),
        log,
      })
    : null;

  const routes: Record<string, (req: Request, server: Bun.Server<undefined>) => Response | Promise<Response>> = {
    "/metrics": async () => new Response(await metrics.render(), { headers: { "content-type": metrics.contentType } }),
    "/healthz": () => text("ok\n", 200),
    "/readyz": () => {
      const r = state.readiness();
      return json(r, r.ready ? 200 : 503);
    },
    "/status": () => {
      const last = state.latest();
      const health = state.providerHealth();
      const stream = health ? { provider_stream: health } : {};
      if (last) return json({ ...liveStatusDocument(last.result, withLiveStorage(last.stats), dataDir(), last.observedAt, state.market()), ...stream });
      const doc = beforeFirstCycle();
      return json({ status: doc.status, data_dir: doc.data_dir, session: doc.session, reasons: doc.readiness.reasons, ...stream }, doc.status === "idle" ? 200 : 503);
    },
    "/events": (req, server) => {
      const res = hub.connect(req.headers.get("last-event-id"));
      if (!res) return text(`too many /events clients (limit ${settings.sse_max_clients})\n`, 429, { "retry-after": "5" });
      server.timeout(req, 0);
      return res;
    },
  };
  // The dashboard's JSON: behind the token like every route above.
  for (const [path, handler] of Object.entries(web?.routes ?? {})) routes[path] = (req) => handler(req, new URL(req.url));

  const postRoutes: Record<string, () => Response> = {};
  const reload = actions.reload;
  if (reload) {
    postRoutes["/config/reload"] = () => {
      const r = reload();
      return r.ok ? json({ applied: r.applied, restart_needed: r.restartNeeded }) : json({ error: r.error }, 422);
    };
  }

  let server: Bun.Server<undefined>;
  try {
    server = Bun.serve({
      hostname: settings.host,
      port: settings.port,
      idleTimeout: Math.min(255, Math.ceil(settings.heartbeat_seconds * 2 + 5)),
      fetch(req, srv) {
        const url = new URL(req.url);
        // The dashboard's page, assets and login need no token (they hold no data).
        const page = web?.open(req, url);
        if (page) return page;
        // A dashboard session cookie admits reads only; POST routes need the bearer token.
        const readOnly = req.method === "GET" || req.method === "HEAD";
        if (settings.token !== null && !bearerMatches(req.headers.get("authorization"), settings.token) && !(readOnly && web?.hasSession(req))) {
          return text("unauthorized\n", 401, { "www-authenticate": 'Bearer realm="g6"' });
        }
        const path = url.pathname;
        const post = postRoutes[path];
        if (post) return req.method === "POST" ? post() : text("method not allowed\n", 405, { allow: "POST" });
        const route = routes[path];
        if (!route) return text("not found\n", 404);
        if (req.method !== "GET" && req.method !== "HEAD") return text("method not allowed\n", 405, { allow: "GET, HEAD" });
        return route(req, srv);
      },
    });
  } catch (err) {
    unsubscribe();
    web?.stop();
    const code = err instanceof Error && "code" in err ? String(err.code) : "";
    const why = code === "EADDRINUSE" ? "address already in use" : errorMessage(err);
    throw new ServerStartError(`cannot listen on ${settings.host}:${settings.port}: ${why} (set server.port or G6_SERVER__PORT)`);
  }
  const port = server.port ?? settings.port;
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  if (!LOOPBACK.has(settings.host)) log?.warn(`HTTP API listening on ${settings.host}, not a loopback address`);
  return {
    url: `http://${host}:${port}`,
    port,
    async stop() {
      unsubscribe();
      web?.stop();
      hub.close();
      await server.stop(true);
    },
  };
}
