/**
 * The dashboard's command-line pieces: the display of `g6 run`, and the `g6 summary` and
 * `g6 panels verify` commands. Process state reaches them only through the `Host` that
 * src/cli.ts builds; a command that must end with a failure status throws `ExitStatus`.
 */
import { defineCommand } from "citty";
import type { ConsolaReporter } from "consola";
import { loadConfig } from "../config/load.ts";
import type { G6Config } from "../config/schema.ts";
import { createMarketCalendar } from "../market/calendar.ts";
import { underDataDir } from "../sinks/csv/sink.ts";
import { verifyExitCode, verifyPanels } from "../sinks/panels/verify.ts";
import { alertReporter, createDisplay, resolveMode, runSummaryClient, summaryLinks, type Display, type TerminalIo } from "./dashboard.ts";
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
};

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
  return loadConfig({ file: args.config, env: host.env, cli }).config;
}

/** `g6 summary`: the dashboard of a running engine (its /events stream, else its status file). */
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
      const calendar = createMarketCalendar({ holidays: config.market.holidays, open: config.market.open, close: config.market.close });
      try {
        await runSummaryClient({
          display,
          eventsUrl: `http://${config.server.host}:${config.server.port}/events`,
          token: config.server.token,
          statusFile: underDataDir(config.storage.data_dir, config.storage.status.file),
          pollMs: Math.max(50, Math.round(1000 / config.summary.refresh_per_second)),
          calendar,
          links: summaryLinks(config),
          windowCycles: config.summary.history_cycles,
          now: () => Date.now(),
          signal: controller.signal,
          limit: args.once ? 1 : 0,
        });
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
