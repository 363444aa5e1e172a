/**
 * The G6 configuration schema: the single declaration of every setting.
 *
 * Keys are snake_case so that the environment mapping is mechanical:
 * `storage.csv.dir` ⇄ `G6_STORAGE__CSV__DIR`. Every field carries its default,
 * bounds, a description and its unit (see `field`). Runtime-only switches
 * (`--cycles`) are CLI flags, not settings.
 */
import * as v from "valibot";
import { isValidIsoDate } from "../market/ist.ts";
import { OPTIONAL_GROUPS } from "./metric-groups.ts";
import { field, group } from "./fields.ts";
import { InfluxSettings } from "./influx.ts";
import { AlertsSettings, LoadControlSettings } from "./alerts.ts";
import { PROVIDER_KINDS, PROVIDER_SETTINGS } from "./providers.ts";
import { TRADER_ANALYTICS } from "./trader-analytics.ts";

export type { SettingMeta } from "./fields.ts";

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Reports only strings already shaped YYYY-MM-DD (the regex reports the others). */
const realDate = v.check((s: string) => !ISO_DATE.test(s) || isValidIsoDate(s), "a real calendar date");
const IsoDate = v.pipe(v.string(), v.regex(ISO_DATE, "a date YYYY-MM-DD"), realDate);
const ClockTime = v.pipe(v.string(), v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a time HH:MM (24 h)"));

export const EXPIRY_TAG_VALUES = ["this_week", "next_week", "this_month", "next_month"] as const;
/** An expiry tag, or an explicit expiry date YYYY-MM-DD. */
const ExpirySelector = v.pipe(
  v.string(),
  v.check(
    (s) => (EXPIRY_TAG_VALUES as readonly string[]).includes(s) || ISO_DATE.test(s),
    "an expiry tag (this_week, next_week, this_month, next_month) or a date YYYY-MM-DD",
  ),
  realDate,
);


/** Upper bound on strikes either side of ATM in ladder mode. */
export const MAX_STRIKES_PER_SIDE = 200;

function indexEntry(
  defaults: { enabled: boolean; expiries: string[]; weekday: number; weekly: boolean },
) {
  return group(
    {
      enabled: field(v.boolean(), defaults.enabled, "Collect this index."),
      strikes_below: field(
        v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_STRIKES_PER_SIDE)),
        10,
        "Strikes below ATM (G6's 'itm' count).",
        { unit: "strikes", reloadable: true },
      ),
      strikes_above: field(
        v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_STRIKES_PER_SIDE)),
        10,
        "Strikes above ATM (G6's 'otm' count).",
        { unit: "strikes", reloadable: true },
      ),
      expiries: field(
        v.pipe(v.array(ExpirySelector), v.minLength(1), v.maxLength(8)),
        defaults.expiries,
        "Expiries to collect, resolved each day from the expiries the market lists.",
        { reloadable: true },
      ),
      expiry_weekday: field(
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(5)),
        defaults.weekday,
        "Expiry weekday (1 = Monday … 5 = Friday); the monthly expiry is the last one of the month. Used by the simulator and sanity checks; real expiries come from the provider.",
        { unit: "weekday" },
      ),
      weekly: field(v.boolean(), defaults.weekly, "Whether the index has weekly expiries (else monthly only)."),
    },
    "One index's collection settings.",
  );
}

const WEEKLY = ["this_week", "next_week", "this_month", "next_month"];
const MONTHLY = ["this_month", "next_month"];

export const ConfigSchema = v.strictObject({
  interval: field(
    v.pipe(v.number(), v.minValue(0), v.maxValue(3600)),
    60,
    "Seconds between cycle starts; 0 runs cycles back to back.",
    { unit: "seconds", reloadable: true },
  ),
  secrets_file: field(
    v.nullable(v.pipe(v.string(), v.minLength(1))),
    null,
    "JSON file holding the secret settings (same key structure), outside the G6 directory, mode 600. Secrets may also come from their G6_* variables; never from the config file or flags.",
  ),
  collection_mode: field(
    v.picklist(["ladder", "universe"]),
    "ladder",
    "ladder: each index's configured expiries, ATM ± its strike counts. universe: every listed strike of every listed expiry of each enabled index (expiry selectors and strike counts do not apply).",
  ),
  risk_free_rate: field(
    v.pipe(v.number(), v.minValue(-0.05), v.maxValue(0.5)),
    0.065,
    "Annual risk-free rate, continuously compounded, for discounting and the spot-carry forward.",
    { unit: "fraction per year" },
  ),
  market: group(
    {
      holidays: field(
        v.array(IsoDate),
        [],
        "Extra exchange trading holidays (YYYY-MM-DD), added to the NSE and BSE lists shipped with G6 (src/market/holidays.json). Listing any date of a year marks that year's holidays as known: G6 stops warning that the year is not covered.",
        { unit: "dates" },
      ),
      shipped_holidays: field(
        v.boolean(),
        true,
        "Use the NSE and BSE holiday lists shipped with G6; false: only market.holidays (to drop a shipped date, list the year's holidays yourself).",
      ),
      open: field(ClockTime, "09:15", "Session open, IST.", { unit: "HH:MM IST" }),
      close: field(ClockTime, "15:30", "Session close, IST; also the expiry instant for time to expiry.", {
        unit: "HH:MM IST",
      }),
      force_open: field(
        v.boolean(),
        false,
        "Collect outside the session too (an after-hours snapshot, a test market): a live provider otherwise runs cycles only from the open to the close (the close's tick included) of trading days and idles in between. No effect on the simulator's own session clock (provider.sim.clock \"session\"). CLI: --force-open.",
        { reloadable: true },
      ),
    },
    "Market calendar.",
  ),
  indices: group(
    {
      NIFTY: indexEntry({ enabled: true, expiries: WEEKLY, weekday: 2, weekly: true }),
      BANKNIFTY: indexEntry({ enabled: true, expiries: MONTHLY, weekday: 2, weekly: false }),
      FINNIFTY: indexEntry({ enabled: true, expiries: MONTHLY, weekday: 2, weekly: false }),
      MIDCPNIFTY: indexEntry({ enabled: true, expiries: MONTHLY, weekday: 2, weekly: false }),
      SENSEX: indexEntry({ enabled: true, expiries: WEEKLY, weekday: 4, weekly: true }),
    },
    "Per-index collection settings; at least one index must be enabled.",
  ),
  analytics: group(
    {
      tick: field(v.pipe(v.number(), v.gtValue(0)), 0.05, "Price tick; IV is solved only when time value ≥ one tick.", {
        unit: "points",
      }),
      max_spread_fraction: field(
        v.pipe(v.number(), v.gtValue(0), v.maxValue(10)),
        0.5,
        "IV is solved from the bid/ask mid when (ask − bid) / mid is at most this; else from the last price.",
        { unit: "fraction" },
      ),
      iv_fallback: field(v.unknown(), undefined, "The Python G6 wrote this IV (0.25) when the solver failed. G6 never substitutes a number: an unsolvable IV is empty and counted by reason.", {
        stage: "removed",
      }),
      parity_strikes: field(
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(20)),
        3,
        "Strikes nearest the money used for the put-call-parity forward (median).",
        { unit: "strikes" },
      ),
      ...TRADER_ANALYTICS,
    },
    "Analytics settings.",
  ),
  provider: group(
    {
      kind: field(v.picklist(PROVIDER_KINDS), "sim", "Market data provider."),
      timeouts: group(
        {
          call_ms: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600_000)), 10_000, "Deadline of one provider call (one quote chunk, one spot request); a call past it fails as transient.", {
            unit: "milliseconds",
          }),
          retries: field(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10)), 2, "Retries of a call that failed as transient or rate_limited (never auth, bad_data, fatal or config).", {
            unit: "retries",
          }),
          retry_base_ms: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60_000)), 250, "Backoff base: retry k waits a random time in [0, base·2^k) (exponential backoff with full jitter).", {
            unit: "milliseconds",
          }),
        },
        "Deadlines and retries of provider calls (the running provider).",
      ),
      ...PROVIDER_SETTINGS,
    },
    "Market data provider.",
  ),
  storage: group(
    {
      data_dir: field(v.pipe(v.string(), v.minLength(1)), "data", "Output root; relative paths below are under it."),
      csv_dir: field(v.nullable(v.pipe(v.string(), v.minLength(1))), null, "The Python G6's name for the CSV directory.", {
        stage: "deprecated",
        replacement: "storage.csv.dir",
      }),
      csv: group(
        {
          enabled: field(v.boolean(), true, "Write G6 CSV files."),
          dir: field(v.pipe(v.string(), v.minLength(1)), "g6_data", "CSV base directory (relative to data_dir unless absolute)."),
          layout: field(
            v.picklist(["g6", "expiry_v1"]),
            "g6",
            "g6: the Python G6 layout, one file per index/expiry tag/offset/day. expiry_v1: one file per index/expiry/day under <dir>/expiry_v1/ with the same columns, for large universes.",
          ),
          max_open_files: field(v.pipe(v.number(), v.integer(), v.minValue(4), v.maxValue(4096)), 512, "Bound on CSV files kept open.", {
            unit: "files",
          }),
          sync_interval_seconds: field(
            v.pipe(v.number(), v.minValue(0), v.maxValue(3600)),
            1,
            "Seconds between syncs to disk (fdatasync) of the CSV files written since the previous one. A sync starts after a cycle's writes and runs in the background, so a power cut loses at most the rows of about this long or one cycle, whichever is longer. 0: only when files are closed (end of day, shutdown).",
            { unit: "seconds" },
          ),
        },
        "G6 CSV sink.",
      ),
      status: group(
        {
          enabled: field(v.boolean(), true, "Write the runtime status JSON every cycle."),
          file: field(v.pipe(v.string(), v.minLength(1)), "runtime_status.json", "Status file (relative to data_dir unless absolute)."),
        },
        "Runtime status file.",
      ),
      panels: group(
        {
          enabled: field(v.boolean(), true, "Write the summary panel files (one JSON per panel plus a manifest, each with a SHA-256)."),
          dir: field(v.pipe(v.string(), v.minLength(1)), "panels", "Panel directory (relative to data_dir unless absolute)."),
          every_n_cycles: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 1, "Write the panels every N cycles (and after the last).", {
            unit: "cycles",
          }),
        },
        "Summary panel files.",
      ),
      influx: InfluxSettings,
      delivery: group(
        {
          retries: field(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100)), 5, "Retries of a sink write that failed in a way a retry can fix (a server briefly down, a timeout); a write refused for good (a full disk, a rejected batch) is never retried.", {
            unit: "retries",
          }),
          retry_base_ms: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(60_000)), 500, "Backoff base: retry k waits a random time in [0, base·2^k) (exponential backoff with full jitter), at most retry_max_ms.", {
            unit: "milliseconds",
          }),
          retry_max_ms: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(600_000)), 30_000, "Longest wait between two attempts of a sink write.", {
            unit: "milliseconds",
          }),
          stall_seconds: field(v.pipe(v.number(), v.minValue(0), v.maxValue(3600)), 10, "A sink write running longer than this shows its sink as failing (status file, /readyz, dashboard, metrics) until it returns; 0: never.", {
            unit: "seconds",
          }),
          shutdown_seconds: field(v.pipe(v.number(), v.minValue(0), v.maxValue(3600)), 10, "At shutdown, how long G6 waits for each sink to write the cycles still queued; what is left then is spooled (sinks with a spool) or counted as dropped.", {
            unit: "seconds",
          }),
        },
        "How every sink is run: each sink writes its queue of cycles off the cycle's critical path, with these retries and deadlines (see docs/ARCHITECTURE.md, running sink). The queue's size and what happens when it is full are declared by each sink: the CSV files and the panels wait (nothing is dropped), the status file keeps only the newest cycle.",
      ),
    },
    "Storage.",
  ),
  pool: group(
    {
      size: field(
        v.union([v.literal("auto"), v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(64))], "\"auto\" or a worker count 0–64"),
        "auto",
        "Compute workers: \"auto\" (one per core), a number, or 0 for inline execution. Chains under min_shard_legs run inline either way.",
        { unit: "workers" },
      ),
      min_shard_legs: field(
        v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_000_000)),
        1000,
        "Smallest shard sent to a worker; smaller batches run inline (a round trip costs more than it saves below ~1,000 legs on 2 cores).",
        { unit: "legs" },
      ),
      shard_timeout_ms: field(
        v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(600_000)),
        10_000,
        "A shard taking longer is abandoned (its worker terminated) and redone inline.",
        { unit: "milliseconds" },
      ),
      max_restarts: field(
        v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)),
        10,
        "Worker restarts allowed per restart window; beyond it, work runs inline.",
        { unit: "restarts" },
      ),
      restart_window_seconds: field(v.pipe(v.number(), v.minValue(1), v.maxValue(86_400)), 300, "Window of the restart budget.", {
        unit: "seconds",
      }),
      backoff_ms: field(
        v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(600_000)),
        200,
        "Wait before replacing a failed worker; doubles with each consecutive failure of the same worker slot.",
        { unit: "milliseconds" },
      ),
    },
    "Worker pool.",
  ),
  metrics: group(
    {
      groups: field(
        v.array(v.picklist(OPTIONAL_GROUPS)),
        ["index", "chain", "analytics", "pool", "process"],
        "Optional metric groups to expose (index, chain, analytics, pool, process, option_detail); cycle, provider and storage are always on.",
      ),
      series_budget: field(
        v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(10_000_000)),
        20_000,
        "Cardinality budget: above this many estimated series, option detail is degraded (all strikes → band → none).",
        { unit: "series" },
      ),
      option_detail: group(
        {
          mode: field(v.picklist(["all", "band"]), "band", "Richest per-strike detail when option_detail is enabled: every strike, or a band around ATM."),
          band_strikes: field(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(MAX_STRIKES_PER_SIDE)), 5, "Strikes either side of ATM in band mode.", {
            unit: "strikes",
          }),
        },
        "Per-strike series (the option_detail group).",
      ),
      hysteresis: field(
        v.pipe(v.number(), v.minValue(0), v.maxValue(0.9)),
        0.2,
        "Richer detail is restored only while its estimate stays below series_budget × (1 − this).",
        { unit: "fraction" },
      ),
      restore_cycles: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 5, "Consecutive cycles under the restore threshold before detail is restored one step.", {
        unit: "cycles",
      }),
    },
    "Prometheus metrics.",
  ),
  server: group(
    {
      enabled: field(v.boolean(), true, "Serve the HTTP API (/metrics, /healthz, /readyz, /status, /events, POST /config/reload)."),
      host: field(v.pipe(v.string(), v.minLength(1)), "127.0.0.1", "Bind address. Anything but a loopback address exposes the API to the network."),
      port: field(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65_535)), 9108, "TCP port; 0 picks a free port.", { unit: "port" }),
      token: field(
        v.nullable(v.pipe(v.string(), v.minLength(1))),
        null,
        "Bearer token every request must carry (Authorization: Bearer …); null: no token. Set it with G6_SERVER__TOKEN.",
        { secret: true },
      ),
      sse_max_clients: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 16, "Concurrent /events clients; more get 429.", {
        unit: "clients",
      }),
      sse_backlog: field(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(100_000)), 256, "Events kept for Last-Event-ID resume.", {
        unit: "events",
      }),
      heartbeat_seconds: field(v.pipe(v.number(), v.minValue(1), v.maxValue(300)), 15, "Interval of /events heartbeat comments.", {
        unit: "seconds",
      }),
      dashboard: field(v.boolean(), true, "Serve the web dashboard under / (its JSON under /api/, a login form when server.token is set)."),
      dashboard_points: field(
        v.pipe(v.number(), v.integer(), v.minValue(10), v.maxValue(100_000)),
        2000,
        "Points kept per expiry in the web dashboard's session series; when full, every other point is dropped (the whole session stays, at half the resolution).",
        { unit: "points" },
      ),
    },
    "HTTP API.",
  ),
  summary: group(
    {
      mode: field(
        v.picklist(["auto", "live", "plain", "off"]),
        "auto",
        "Terminal summary: live (full-screen dashboard; needs a terminal), plain (a text block per cycle when something changed), off, or auto (live on a terminal outside CI, else plain).",
      ),
      refresh_per_second: field(v.pipe(v.number(), v.gtValue(0), v.maxValue(30)), 4, "Most dashboard redraws per second.", { unit: "frames per second" }),
      history_cycles: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 120, "Cycles in the rolling window of the cycle time p50/p95.", {
        unit: "cycles",
      }),
    },
    "Terminal summary and dashboard.",
  ),
  alerts: AlertsSettings,
  load_control: LoadControlSettings,
  log: group(
    {
      level: field(v.picklist(["error", "warn", "info", "debug"]), "info", "Log level.", { reloadable: true }),
    },
    "Logging.",
  ),
});

export type G6Config = v.InferOutput<typeof ConfigSchema>;
export type IndexConfig = G6Config["indices"]["NIFTY"];
