/**
 * The dashboard's command-line pieces: the display of `g6 run`, and the `g6 summary` and
 * `g6 panels verify` commands. Process state reaches them only through the `Host` that
 * src/cli.ts builds; a command that must end with a failure status throws `ExitStatus`.
 */
import { defineCommand } from "citty";
import type { ConsolaReporter } from "consola";
import { loadConfig } from "../config/load.ts";
import type { G6Config } from "../config/schema.ts";
import { createExchangeCalendar } from "../market/holidays.ts";
import { underDataDir } from "../sinks/csv/sink.ts";
import { verifyExitCode, verifyPanels } from "../sinks/panels/verify.ts";
import { alertReporter, createDisplay, resolveMode, summaryLinks, type Display, type TerminalIo } from "./dashboard.ts";
import { runSummaryClient, SummaryUnavailable } from "./follow.ts";
import type { AlertLevel } from "./model.ts";
import type { SummaryTracker } from "./tracker.ts";

import { ExitStatus } from "../exit.ts";

export { ExitStatus };

/** What the commands may use of the process. */
export type Host = {
  terminal: TerminalIo;
  env: Record<string, string | undefined>;
  /** Registers `fn` for SIGINT and SIGTERM. */
  onStop(fn: (signal: string) => void): void;
  /** Registers `fn` to run when the process exits, however it exits. */
  onExit(fn: () => void): void;
  /** Prints a line to stdout. */
  print(line: string): void;
  /** Prints a line to stderr. */
  error(line: string): void;
};

/**
 * Bounds of `g6 summary`'s requests: response headers within CONNECT_TIMEOUT_MS; then each read
 * within two /events heartbeats and 5 s more (the server's own idle timeout). A server that is
 * gone is retried after RETRY_MIN_MS, doubling up to RETRY_MAX_MS.
 */
const CONNECT_TIMEOUT_MS = 3000;
const RETRY_MIN_MS = 1000;
const RETRY_MAX_MS = 30_000;
/** Redraws that keep the data age current, ms. */
const TICK_MS = 1000;

export type RunDashboard = {
  display: Display;
  /** Log reporters to use (live mode routes warnings and errors to the alerts panel). */
  reporters: ConsolaReporter[] | undefined;
  /** Connects the alerts of the live screen to the app's tracker (alerts raised before are kept). */
  attach(tracker: SummaryTracker | null): void;
};

function displayFor(host: Host, config: Readonly<G6Config>, plainFlag: boolean): Display {
  const mode = resolveMode(config.summary.mode, { isTty: host.terminal.isTty, ci: Boolean(host.env.CI), plainFlag });
  const display = createDisplay(host.terminal, mode, { color: !host.env.NO_COLOR, maxFps: config.summary.refresh_per_second });
  host.onExit(() => display.close());
  return display;
}

/** The display of `g6 run` (live, plain or off per config, terminal and `--plain`). */
export function createRunDashboard(host: Host, config: Readonly<G6Config>, plainFlag: boolean): RunDashboard {
  const display = displayFor(host, config, plainFlag);
  const early: [AlertLevel, string][] = [];
  let tracker: SummaryTracker | null = null;
  const alert = (level: AlertLevel, message: string) => (tracker ? tracker.alert(level, message) : early.push([level, message]));
  return {
    display,
    reporters: display.mode === "live" ? [alertReporter(alert)] : undefined,
    attach(t) {
      tracker = t;
      for (const [level, message] of early.splice(0)) t?.alert(level, message);
    },
  };
}

const configArgs = {
  config: { type: "string", description: "JSON config file (the engine's)", valueHint: "FILE" },
  "data-dir": { type: "string", description: "The engine's output root directory", valueHint: "DIR" },
} as const;

function configFor(host: Host, args: { config?: string; "data-dir"?: string }, extra: { path: string; value: unknown; flag: string }[] = []) {
  const cli = args["data-dir"] === undefined ? extra : [{ path: "storage.data_dir", value: args["data-dir"], flag: "--data-dir" }, ...extra];
  // Readers only read: a full or read-only data directory is what they must still show.
  return loadConfig({ file: args.config, env: host.env, cli, checkDataDir: false }).config;
}

/**
 * `g6 summary`: the dashboard of a running engine (its /events stream, else its status file).
 * `--once` with nothing to show is a runtime failure: a message on stderr and exit status 1.
 */
export function summaryCommand(host: Host) {
  return defineCommand({
    meta: { name: "summary", description: "Show the dashboard of a running g6 (its /events stream, else its status file)" },
    args: {
      ...configArgs,
      port: { type: "string", description: "The engine's HTTP port (default: server.port)", valueHint: "PORT" },
      plain: { type: "boolean", description: "Plain text blocks instead of the live dashboard" },
      once: { type: "boolean", description: "Show one snapshot, then exit" },
    },
    async run({ args }) {
      const port = args.port === undefined ? [] : [{ path: "server.port", value: Number(args.port), flag: "--port" }];
      const config = configFor(host, args, port);
      const display = displayFor(host, config, Boolean(args.plain));
      const controller = new AbortController();
      host.onStop(() => controller.abort());
      const calendar = createExchangeCalendar("NSE", config.market);
      const server = config.server;
      const hostname = server.host.includes(":") ? `[${server.host}]` : server.host;
      try {
        await runSummaryClient({
          display,
          serverUrl: `http://${hostname}:${server.port}`,
          token: server.token,
          dataDir: config.storage.data_dir,
          statusFile: underDataDir(config.storage.data_dir, config.storage.status.file),
          pollMs: Math.max(50, Math.round(1000 / config.summary.refresh_per_second)),
          timeouts: { connectMs: CONNECT_TIMEOUT_MS, readMs: (2 * server.heartbeat_seconds + 5) * 1000 },
          retry: { minMs: RETRY_MIN_MS, maxMs: RETRY_MAX_MS },
          tickMs: TICK_MS,
          calendar,
          links: summaryLinks(config),
          windowCycles: config.summary.history_cycles,
          now: () => Date.now(),
          signal: controller.signal,
          limit: args.once ? 1 : 0,
        });
      } catch (err) {
        if (!(err instanceof SummaryUnavailable)) throw err;
        display.close();
        host.error(`g6 summary: ${err.message}`);
        throw new ExitStatus(1);
      } finally {
        display.close();
      }
    },
  });
}

/** `g6 panels verify [DIR]`: checks panel files against their manifest (exit 0, 1 or 2). */
export function panelsCommand(host: Host) {
  const verify = defineCommand({
    meta: { name: "verify", description: "Check panel files against manifest.json (exit 0 ok, 1 mismatch or missing, 2 unreadable)" },
    args: {
      dir: { type: "positional", required: false, description: "Panel directory (default: storage.panels.dir under the data dir)", valueHint: "DIR" },
      ...configArgs,
      json: { type: "boolean", description: "Print the report as JSON" },
    },
    run({ args }) {
      const dir = args.dir || ((c) => underDataDir(c.storage.data_dir, c.storage.panels.dir))(configFor(host, args));
      const report = verifyPanels(dir);
      if (args.json) host.print(JSON.stringify(report, null, 2));
      else {
        for (const f of report.files) host.print(`${f.ok ? "ok      " : "FAILED  "}${f.file}${f.problem ? `: ${f.problem}` : ""}`);
        for (const p of report.problems.filter((x) => !report.files.some((f) => x.startsWith(`${f.file}:`)))) host.print(`FAILED  ${p}`);
        host.print(`${report.dir}${report.generation ? ` (current -> ${report.generation})` : ""}: ${report.outcome}`);
      }
      const code = verifyExitCode(report.outcome);
      if (code !== 0) throw new ExitStatus(code);
    },
  });
  return defineCommand({ meta: { name: "panels", description: "Panel file tools" }, subCommands: { verify } });
}
