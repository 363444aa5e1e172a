/**
 * The web dashboard on the HTTP API: static assets under `/` (no data in them, served without
 * a token), JSON under `/api/` (the latest chain, the session's series, the session's list of
 * expiries), and with `server.token` set a login that exchanges the token for a session cookie
 * (HttpOnly, SameSite=Strict; the browser's EventSource cannot send a bearer header).
 *
 * A session cookie admits GET and HEAD requests only: POST routes (config reload) still need
 * the bearer token, so a page can never be tricked into changing the engine. Sessions live in
 * memory (lost on restart), expire after SESSION_MS, and at most MAX_SESSIONS are kept (the
 * oldest goes first).
 */
import type { ConsolaInstance } from "consola";
import { randomBytes } from "node:crypto";
import { errorMessage } from "../contracts/index.ts";
import { formatIsoIst, istDate } from "../market/index.ts";
import type { LatestState } from "../state/index.ts";
import { assetResponse, SECURITY_HEADERS, sharedBundle, type Bundle } from "./assets.ts";
import { extraLegColumns, type LegColumn } from "./columns.ts";
import { rebuildFromCsv, type CsvLayout, type RebuildReport } from "./rebuild.ts";
import { CHAIN_FIELDS, createSessionStore, SERIES_FIELDS, type ChainField, type ExpiryState, type SeriesField } from "./store.ts";

export const SESSION_COOKIE = "g6_session";
const SESSION_MS = 12 * 3600_000;
const MAX_SESSIONS = 64;

export type DashboardOptions = {
  token: string | null;
  points: number;
  state: LatestState;
  /** The CSV sink's directory and layout, to rebuild the session on restart (null: CSV off). */
  csv: { dir: string; layout: CsvLayout } | null;
  /** Wall clock, epoch ms. */
  now: () => number;
  /** Compares a presented token with the configured one in constant time. */
  tokenMatches: (presented: string) => boolean;
  log?: ConsolaInstance;
};

type Handler = (req: Request, url: URL) => Response | Promise<Response>;

export type WebDashboard = {
  /** Requests answered without a token: the page, its assets, login and logout (null: not one of them). */
  open(req: Request, url: URL): Response | Promise<Response> | null;
  /** True when the request carries a live session cookie. */
  hasSession(req: Request): boolean;
  /** GET routes behind the token (bearer or session cookie): the JSON endpoints. */
  readonly routes: Readonly<Record<string, Handler>>;
  /** Settles when the rebuild from the day's files (if any) has finished. */
  readonly rebuilt: Promise<RebuildReport | null>;
  stop(): void;
};

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(`${JSON.stringify(body)}\n`, { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers } });
const num = (x: number) => (Number.isFinite(x) ? x : null);
const nums = (a: ArrayLike<number>) => Array.from(a, num);

/** Chain column keys in the endpoint (snake case) for each collected field, with heading and unit. */
const CHAIN_COLUMNS: readonly { field: ChainField; key: string; label: string; unit: string }[] = [
  { field: "last", key: "last", label: "LTP", unit: "points" },
  { field: "netChange", key: "change", label: "Chg", unit: "points" },
  { field: "bid", key: "bid", label: "Bid", unit: "points" },
  { field: "ask", key: "ask", label: "Ask", unit: "points" },
  { field: "volume", key: "volume", label: "Volume", unit: "contracts" },
  { field: "oi", key: "oi", label: "OI", unit: "contracts" },
  { field: "iv", key: "iv", label: "IV", unit: "fraction" },
  { field: "delta", key: "delta", label: "Delta", unit: "per point" },
  { field: "gamma", key: "gamma", label: "Gamma", unit: "per point²" },
  { field: "theta", key: "theta", label: "Theta", unit: "points per day" },
  { field: "vega", key: "vega", label: "Vega", unit: "points per vol point" },
];
if (CHAIN_COLUMNS.length !== CHAIN_FIELDS.length) throw new Error("every chain field needs a column");

const SERIES_KEYS: Record<SeriesField, string> = {
  spot: "spot",
  pcrOi: "pcr_oi",
  pcrVolume: "pcr_volume",
  maxPain: "max_pain",
  straddle: "straddle",
  impliedMove: "implied_move",
  atmIv: "atm_iv",
};

/** The chain endpoint's document for one expiry: the latest chain with every per-leg column, and the first snapshot's smile. */
export function chainDocument(e: ExpiryState, extra: (e: ExpiryState) => LegColumn[] = extraLegColumns) {
  const c = e.latest;
  const added = extra(e);
  const ce: Record<string, unknown[]> = {};
  const pe: Record<string, unknown[]> = {};
  for (const col of CHAIN_COLUMNS) {
    ce[col.key] = nums(c.ce[col.field]);
    pe[col.key] = nums(c.pe[col.field]);
  }
  for (const col of added) {
    ce[col.key] = col.ce;
    pe[col.key] = col.pe;
  }
  return {
    index: c.index,
    tag: c.tag,
    expiry: c.expiry,
    cycle: c.cycle,
    snapshot_at: formatIsoIst(c.at),
    source: c.cycle === null ? "files" : "live",
    spot: num(c.spot),
    atm: num(c.atm),
    forward: num(c.forward),
    strikes: nums(c.strikes),
    columns: [...CHAIN_COLUMNS.map(({ key, label, unit }) => ({ key, label, unit })), ...added.map(({ key, label, unit }) => ({ key, label, unit }))],
    ce,
    pe,
    open: { snapshot_at: formatIsoIst(e.first.at), strikes: nums(e.first.strikes), ce_iv: nums(e.first.ce.iv), pe_iv: nums(e.first.pe.iv) },
  };
}

/** The series endpoint's document for one index: per expiry, the session's points (t in epoch ms). */
export function seriesDocument(index: string, expiries: readonly ExpiryState[]) {
  return {
    index,
    expiries: expiries
      .filter((e) => e.index === index)
      .map((e) => {
        const s: Record<string, unknown> = { tag: e.tag, expiry: e.expiry, t: e.series.t.slice() };
        for (const f of SERIES_FIELDS) s[SERIES_KEYS[f]] = nums(e.series[f]);
        return s;
      }),
  };
}

function cookieOf(req: Request, name: string): string | null {
  for (const part of (req.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The token a login request presents: a JSON `{ "token": … }` or a form field `token`. */
async function presentedToken(req: Request): Promise<string | null> {
  const type = req.headers.get("content-type") ?? "";
  try {
    if (type.includes("application/json")) {
      const body = (await req.json()) as { token?: unknown };
      return typeof body?.token === "string" ? body.token : null;
    }
    const form = await req.formData();
    const t = form.get("token");
    return typeof t === "string" ? t : null;
  } catch {
    return null;
  }
}

export function createWebDashboard(opts: DashboardOptions): WebDashboard {
  const { state, now, log } = opts;
  const store = createSessionStore(opts.points);
  const sessions = new Map<string, number>();
  let stopped = false;
  let report: RebuildReport | null = null;

  /** Reads the day's files into the store (rows before `before` only: later ones are live). */
  const rebuild = async (date: string, before: number): Promise<RebuildReport | null> => {
    if (!opts.csv) return null;
    try {
      const r = await rebuildFromCsv(opts.csv.dir, opts.csv.layout, date, before);
      if (stopped || store.date !== date) return r;
      for (const h of r.histories) store.seed(date, h);
      if (r.snapshots) log?.info(`web dashboard: ${r.snapshots} snapshots of ${date} read back from ${r.files} CSV files`);
      for (const p of r.problems) log?.warn(`web dashboard: ${p}`);
      report = r;
      return r;
    } catch (err) {
      log?.warn(`web dashboard: cannot read back ${date} from ${opts.csv.dir}: ${errorMessage(err)}`);
      return null;
    }
  };

  let rebuilt: Promise<RebuildReport | null>;
  const onCycle = (r: Parameters<typeof store.observe>[0]) => {
    if (r.date !== store.date) {
      // A new session (or the simulator's own date): start over and read back what is on disk before this cycle.
      store.reset(r.date);
      store.observe(r);
      rebuilt = rebuild(r.date, r.at);
      return;
    }
    store.observe(r);
  };
  const latest = state.latest();
  if (latest) onCycle(latest.result);
  else {
    const today = istDate(now());
    store.reset(today);
    rebuilt = rebuild(today, Number.POSITIVE_INFINITY);
  }
  const unsubscribe = state.subscribe(({ result }) => onCycle(result));

  const hasSession = (req: Request) => {
    if (opts.token === null) return false;
    const id = cookieOf(req, SESSION_COOKIE);
    if (id === null) return false;
    const until = sessions.get(id);
    if (until === undefined) return false;
    if (until <= now()) {
      sessions.delete(id);
      return false;
    }
    return true;
  };

  let refused = 0;
  let lastRefusedLog = Number.NEGATIVE_INFINITY;
  const login = async (req: Request) => {
    if (opts.token === null) return json({ ok: true, required: false });
    const token = await presentedToken(req);
    if (token === null) return json({ error: "no token in the request (send JSON {\"token\": …} or a form field token)" }, 400);
    if (!opts.tokenMatches(token)) {
      // One log line a minute at most, with the count: a stream of wrong tokens must not flood the log.
      refused++;
      if (now() - lastRefusedLog >= 60_000) {
        log?.warn(`web dashboard: ${refused} login${refused === 1 ? "" : "s"} with a wrong token refused`);
        lastRefusedLog = now();
        refused = 0;
      }
      return json({ error: "wrong token" }, 401);
    }
    const id = randomBytes(32).toString("base64url");
    sessions.set(id, now() + SESSION_MS);
    // Bounded: the oldest sessions go first (a Map iterates in insertion order).
    for (const old of sessions.keys()) {
      if (sessions.size <= MAX_SESSIONS) break;
      sessions.delete(old);
    }
    return json({ ok: true, required: true }, 200, {
      "set-cookie": `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}`,
    });
  };
  const logout = (req: Request) => {
    const id = cookieOf(req, SESSION_COOKIE);
    if (id !== null) sessions.delete(id);
    return json({ ok: true }, 200, { "set-cookie": `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0` });
  };

  // Bundled on the first request for the page, not at start: an engine nobody browses never pays for it.
  let bundled: Promise<Bundle | null> | null = null;
  const bundle = () =>
    (bundled ??= sharedBundle().catch((err) => {
      log?.error(errorMessage(err));
      bundled = null;
      return null;
    }));
  const serveAsset = async (req: Request, path: string) => {
    const b = await bundle();
    const asset = b?.assets.get(path === "/index.html" ? "/" : path);
    if (!asset) return new Response(b ? "not found\n" : "web dashboard unavailable: its bundle failed to build (see the log)\n", { status: b ? 404 : 503, headers: { ...SECURITY_HEADERS, "content-type": "text/plain; charset=utf-8" } });
    return assetResponse(asset, req);
  };

  const expiryParam = (url: URL): ExpiryState | Response => {
    const index = url.searchParams.get("index");
    const tag = url.searchParams.get("tag");
    if (!index || !tag) return json({ error: "query parameters index and tag are required, e.g. ?index=NIFTY&tag=this_week" }, 400);
    const e = store.get(index, tag);
    return e ?? json({ error: `no chain for ${index} ${tag} in this session (${store.date || "none yet"})` }, 404);
  };

  return {
    open(req, url) {
      const path = url.pathname;
      if (path === "/login" || path === "/logout") {
        if (req.method !== "POST") return new Response("method not allowed\n", { status: 405, headers: { allow: "POST" } });
        return path === "/login" ? login(req) : logout(req);
      }
      if (path === "/" || path === "/index.html" || path.startsWith("/assets/")) {
        if (req.method !== "GET" && req.method !== "HEAD") return new Response("method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
        return serveAsset(req, path);
      }
      if (path === "/api/auth") return json({ required: opts.token !== null, session: hasSession(req) });
      return null;
    },
    hasSession,
    routes: {
      "/api/session": () =>
        json({
          date: store.date || null,
          points: store.points,
          points_per_expiry: opts.points,
          rebuilt: report ? { files: report.files, snapshots: report.snapshots, problems: report.problems } : null,
          expiries: store.expiries().map((e) => ({ index: e.index, tag: e.tag, expiry: e.expiry, points: e.series.t.length })),
        }),
      "/api/chain": (_req, url) => {
        const e = expiryParam(url);
        return e instanceof Response ? e : json(chainDocument(e));
      },
      "/api/series": (_req, url) => {
        const index = url.searchParams.get("index");
        if (!index) return json({ error: "query parameter index is required, e.g. ?index=NIFTY" }, 400);
        return json(seriesDocument(index, store.expiries()));
      },
    },
    get rebuilt() {
      return rebuilt;
    },
    stop() {
      stopped = true;
      unsubscribe();
    },
  };
}
