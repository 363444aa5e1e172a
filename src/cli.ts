#!/usr/bin/env bun
/**
 * The G6 command line (citty). The only place that reads process state (argv, env, signals)
 * and calls process.exit. Exit status: 0 ok, 1 runtime failure, 2 bad configuration or usage
 * (a ConfigError, or a provider refusing its settings at start: ProviderError "config").
 */
import { defineCommand, runCommand, showUsage, type ArgsDef, type CommandDef } from "citty";
import { createConsola, LogLevels } from "consola";
import { writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createApp } from "./app.ts";
import { loadInputFrom, parseCycles, runArgs, type RunArgs } from "./config/run-args.ts";
import { parseCommandLine } from "./cli-parse.ts";
import { configCommand } from "./config/commands.ts";
import { processEnvironment } from "./config/env.ts";
import { ConfigError, loadConfig } from "./config/load.ts";
import { activeConfigDocument } from "./config/render.ts";
import { createConfigStore } from "./config/store.ts";
import { secretsFileWatch } from "./config/secrets.ts";
import { describeFsError, ExitStatus, StartError } from "./exit.ts";
import { ProviderError } from "./contracts/index.ts";
import { acquireLocks, describeHolder, heldRoot, LockHeldError, outputRoots, type DataDirLock } from "./lock.ts";
import { underDataDir } from "./sinks/csv/sink.ts";
import { writeFileAtomic } from "./sinks/status/sink.ts";
import { createRunDashboard, panelsCommand, summaryCommand, type Host } from "./summary/commands.ts";
import { metricsCatalog } from "./metrics/index.ts";
import { kiteCommand, type KiteHost } from "./providers/kite/commands.ts";
import { describeIngest, runIngest } from "./ingest.ts";
import { createProgressView } from "./ingest-progress.ts";
import { ServerStartError, startServer, type G6Server } from "./server/server.ts";
import type { EngineStats } from "./contracts/index.ts";

const runCommandArgs = {
  ...runArgs,
  plain: { type: "boolean", description: "Plain text summary blocks instead of the live dashboard" },
} as const satisfies ArgsDef;

/** The process as the dashboard commands see it (stdout, environment, signals, exit). */
function processHost(): Host {
  const out = process.stdout;
  return {
    terminal: {
      write: (text) => void out.write(text),
      isTty: Boolean(out.isTTY),
      size: () => ({ columns: out.columns || 80, rows: out.rows || 24 }),
      onResize(fn) {
        process.on("SIGWINCH", fn);
        return () => void process.off("SIGWINCH", fn);
      },
    },
    env: processEnvironment(),
    onStop(fn) {
      process.on("SIGINT", () => fn("SIGINT"));
      process.on("SIGTERM", () => fn("SIGTERM"));
    },
    onExit: (fn) => void process.on("exit", fn),
    print: (line) => console.log(line),
    error: (line) => console.error(line),
  };
}

/** Exit status of a forced stop by a second signal: 128 + the signal number, as shells report it. */
const FORCED_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** The one line printed on exit: cycles, rows, errors and where the data is. */
function exitLine(stats: Readonly<EngineStats>, dataDir: string, exhausted = false): string {
  const sinkErrors = Object.values(stats.sinks).reduce((n, t) => n + t.errors, 0);
  const rows = stats.sinks.csv?.rows;
  return (
    `g6: ${exhausted ? "recording replayed to its end" : "stopped"} after ${stats.cyclesRun} cycle${stats.cyclesRun === 1 ? "" : "s"}` +
    (rows === undefined ? "" : ` · ${rows} CSV rows written`) +
    ` · ${stats.cyclesFailed + sinkErrors} errors · data in ${resolve(dataDir)}`
  );
}

/** Writes the active config document, or refuses the start (nothing else has been written). */
function writeActiveConfig(dataDir: string, text: string): void {
  const path = underDataDir(dataDir, "active_config.json");
  try {
    writeFileAtomic(path, text);
  } catch (err) {
    throw new StartError(`storage.data_dir: cannot write ${path}: ${describeFsError(err)}`);
  }
}

const run = defineCommand({
  meta: { name: "run", description: "Run the collector (the default command)" },
  args: runCommandArgs,
  async run({ args }) {
    const cycles = parseCycles(args.cycles);
    const input = loadInputFrom(args as RunArgs, processEnvironment());
    const store = createConfigStore(input, loadConfig(input));
    const config = store.current;
    const dataDir = config.storage.data_dir;
    // Refuse at once, before the server binds or anything is written, when another g6 holds the
    // data directory (checked again, atomically, when the lock is taken).
    const { storage } = config;
    const roots = outputRoots(dataDir, [
      { dir: underDataDir(dataDir, storage.csv.dir), what: "storage.csv.dir" },
      { dir: underDataDir(dataDir, storage.panels.dir), what: "storage.panels.dir" },
      { dir: dirname(underDataDir(dataDir, storage.status.file)), what: "storage.status.file's directory" },
    ]);
    const held = heldRoot(roots);
    if (held) throw held;
    const startedAt = new Date();
    const dashboard = createRunDashboard(processHost(), config, Boolean(args.plain));
    const log = createConsola({ level: LogLevels[config.log.level], ...(dashboard.reporters ? { reporters: dashboard.reporters } : {}) }).withTag("g6");
    for (const w of store.loaded.warnings) log.warn(w);
    const reload = () => {
      try {
        const result = store.reload();
        log.level = LogLevels[store.current.log.level];
        // Credentials may have changed: a provider stopped by an auth failure is tried again.
        app.provider.reset();
        log.info(`config reloaded: ${result.applied.length ? `applied ${result.applied.join(", ")}` : "no reloadable change"}` + (result.restartNeeded.length ? `; needs a restart: ${result.restartNeeded.join(", ")}` : ""));
        return { ok: true as const, ...result };
      } catch (err) {
        const message = err instanceof ConfigError ? err.problems.join("; ") : String(err);
        log.error(`config reload rejected, running config unchanged: ${message}`);
        return { ok: false as const, error: message };
      }
    };
    // A rewritten secrets file (`g6 kite login` each morning) is picked up before the next cycle, as a SIGHUP would.
    const refreshConfig = secretsFileWatch(config.secrets_file, () => {
      log.info("secrets file changed; reloading the config");
      reload();
    });
    const app = createApp(config, { log, currentConfig: () => store.current, refreshConfig, onSummary: (snapshot) => dashboard.display.show(snapshot), onMarket: (status) => dashboard.display.market?.(status) });
    dashboard.attach(app.summary);
    // Nothing is written before the server has its port and the lock is ours: a refused start
    // leaves the data directory (and a running engine's files) as they were.
    let server: G6Server | null = null;
    let locks: DataDirLock[] = [];
    try {
      if (config.server.enabled) server = startServer(config.server, app, log.withTag("server"), {
          reload,
          dataDir: config.storage.data_dir,
          csv: config.storage.csv.enabled ? { dir: underDataDir(config.storage.data_dir, config.storage.csv.dir), layout: config.storage.csv.layout } : null,
        });
      locks = acquireLocks(roots, startedAt);
      const active = activeConfigDocument(store.loaded, startedAt);
      writeActiveConfig(dataDir, `${JSON.stringify(active, null, 2)}\n`);
      for (const l of locks) {
        if (l.tookOverFrom) log.warn(`took over the lock of ${dirname(l.path)} left by a g6 that did not stop cleanly (${describeHolder(l.tookOverFrom)})`);
      }
      log.info(`config ${active.hash} (${Object.keys(active.sources).length} values set outside the defaults${store.loaded.file ? `, file ${store.loaded.file}` : ""})`);
    } catch (err) {
      await server?.stop();
      for (const l of locks) l.release();
      await app.pool?.close();
      dashboard.display.close();
      throw err;
    }
    if (server) log.info(`HTTP API on ${server.url}`);

    // The first SIGINT/SIGTERM finishes the running cycle and flushes; a second one exits at
    // once. Handlers run between cycles' synchronous writes, so no row is ever torn; the exit
    // handler restores the terminal.
    const controller = new AbortController();
    const stop = (signal: string) => {
      if (!controller.signal.aborted) {
        log.info(`${signal}: finishing the current cycle, then flushing (${signal} again to exit at once)`);
        controller.abort();
        return;
      }
      dashboard.display.close();
      for (const l of locks) l.release();
      console.error(`g6: second ${signal}: exiting without finishing the running cycle; rows already written are complete`);
      console.log(exitLine(app.engine.stats, dataDir));
      process.exit(FORCED_EXIT[signal] ?? 1);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    process.on("SIGHUP", () => void reload());
    log.info(`provider ${app.provider.name}, ${cycles || "unbounded"} cycles, interval ${config.interval}s, data in ${dataDir}`);
    try {
      await app.run({ cycles, signal: controller.signal });
    } finally {
      await server?.stop();
      dashboard.display.close();
      for (const l of locks) l.release();
      // Also when a fatal error ends the run: what was recorded, and where, comes first.
      console.log(exitLine(app.engine.stats, dataDir, app.engine.exhausted));
    }
  },
});

const ingestArgs = {
  paths: { type: "positional", required: false, description: "G6 CSV trees (base directories holding overview/ and the option files)", valueHint: "PATH..." },
  from: { type: "string", description: "First recorded day to ingest (IST date)", valueHint: "YYYY-MM-DD" },
  to: { type: "string", description: "Last recorded day to ingest (inclusive)", valueHint: "YYYY-MM-DD" },
  index: { type: "string", description: "Only this index (repeat, or comma-separated); default: the config's enabled indices", valueHint: "NAME" },
  recompute: { type: "boolean", description: "Re-derive IV and Greeks from the recorded prices before writing" },
  json: { type: "boolean", description: "Print the final report as JSON" },
  config: runArgs.config,
  preset: runArgs.preset,
  "data-dir": runArgs["data-dir"],
  pool: runArgs.pool,
  strict: runArgs.strict,
} as const satisfies ArgsDef;

const ingest = defineCommand({
  meta: { name: "ingest", description: "Write recorded G6 CSV trees (ours or the Python G6's) into InfluxDB through the spool; a rerun resumes" },
  args: ingestArgs,
  async run({ args, rawArgs }) {
    const input = loadInputFrom({ config: args.config, preset: args.preset, "data-dir": args["data-dir"], pool: args.pool, strict: args.strict }, processEnvironment());
    const base = loadConfig(input).config;
    const dataDir = base.storage.data_dir;
    // One writer per data directory: the spool is shared with any g6 run on it.
    const roots = outputRoots(dataDir, []);
    const held = heldRoot(roots);
    if (held) throw held;
    const log = createConsola({ level: Math.min(LogLevels[base.log.level], LogLevels.warn) }).withTag("g6");
    // --index repeats (citty keeps only the last value), and takes comma-separated names.
    const named: string[] = [];
    rawArgs.forEach((t, i) => {
      if (t === "--index" && rawArgs[i + 1] !== undefined) named.push(rawArgs[i + 1]!);
      else if (t.startsWith("--index=")) named.push(t.slice("--index=".length));
    });
    const indices = named.flatMap((s) => s.split(",")).map((s) => s.trim()).filter(Boolean);
    // A bar on a terminal's stderr; the plain per-day lines otherwise.
    const view = createProgressView({
      tty: Boolean(process.stderr.isTTY),
      write: (s) => process.stderr.write(s),
      print: (line) => (args.json ? console.error(line) : console.log(line)),
      columns: () => process.stderr.columns ?? 80,
      now: () => performance.now(),
    });
    const controller = new AbortController();
    const stop = (signal: string) => {
      view.done();
      if (!controller.signal.aborted) {
        console.error(`g6 ingest: ${signal}: finishing the current cycle, then stopping (what was handed over stays in the spool; a rerun resumes)`);
        controller.abort();
        return;
      }
      console.error(`g6 ingest: second ${signal}: exiting at once; a rerun resumes`);
      process.exit(FORCED_EXIT[signal] ?? 1);
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    const locks = acquireLocks(roots, new Date());
    try {
      const report = await runIngest({
        paths: args._.map(String),
        from: args.from ?? null,
        to: args.to ?? null,
        indices,
        recompute: Boolean(args.recompute),
        input,
        log,
        progress: (line) => view.line(line),
        onProgress: (p) => view.update(p),
        signal: controller.signal,
      });
      view.done();
      if (args.json) console.log(JSON.stringify(report, null, 2));
      else for (const line of describeIngest(report)) console.log(line);
      if (report.interrupted) throw new ExitStatus(130);
    } finally {
      view.done();
      for (const l of locks) l.release();
    }
  },
});

const metricsDocs = defineCommand({
  meta: { name: "docs", description: "Write the metric catalog generated from the descriptors" },
  args: { out: { type: "string", description: "Output file", default: "docs/METRICS.md", valueHint: "FILE" } },
  run({ args }) {
    writeFileSync(args.out, metricsCatalog());
    console.log(`wrote ${args.out}`);
  },
});

const metrics = defineCommand({
  meta: { name: "metrics", description: "Metric catalog tools" },
  subCommands: { docs: metricsDocs },
});

/** The process as `g6 kite` sees it. */
function kiteHost(): KiteHost {
  return {
    env: processEnvironment,
    onInterrupt(fn) {
      process.on("SIGINT", fn);
      process.on("SIGTERM", fn);
      return () => {
        process.off("SIGINT", fn);
        process.off("SIGTERM", fn);
      };
    },
    print: (line) => console.log(line),
    error: (line) => console.error(line),
    now: Date.now,
  };
}

const VERSION = "0.1.0";

const main = defineCommand({
  meta: { name: "g6", version: VERSION, description: "Options-chain collection and analytics for Indian index options" },
  args: runCommandArgs,
  subCommands: { run, config: configCommand(processEnvironment), metrics, summary: summaryCommand(processHost()), panels: panelsCommand(processHost()), kite: kiteCommand(kiteHost()), ingest },
  default: "run",
});

/**
 * One line saying what failed. The stack is for G6's developers: it is added when the thrown
 * value carries no message of its own, or at log level debug (G6_LOG__LEVEL=debug).
 */
function failureText(err: unknown, debug: boolean): string {
  const message = err instanceof Error && err.message.trim() !== "" ? err.message.replace(/\s*\n\s*/g, " ") : undefined;
  if (message === undefined) return `g6: failed: ${Bun.inspect(err)}`;
  return debug && err instanceof Error && err.stack ? `g6: ${message}\n${err.stack}` : `g6: ${message}`;
}

async function cli(argv: string[]): Promise<number> {
  const debug = processEnvironment().G6_LOG__LEVEL === "debug";
  // Failures outside the awaited chain (a timer, a stream callback) end the process the same way.
  const fatal = (err: unknown) => {
    console.error(failureText(err, debug));
    process.exit(1);
  };
  process.on("uncaughtException", fatal);
  process.on("unhandledRejection", fatal);
  // `g6 help [COMMAND…]` is `g6 [COMMAND…] --help`.
  const helpCommand = argv[0] === "help";
  const line = await parseCommandLine(main as CommandDef, helpCommand ? [...argv.slice(1), "--help"] : argv);
  if (line.help && line.problem?.kind !== "command") {
    await showUsage(...line.helpFor);
    return 0;
  }
  if (line.version && !line.problem) {
    console.log(VERSION);
    return 0;
  }
  if (line.problem) {
    console.error(`g6: ${line.problem.message}`);
    return 2;
  }
  try {
    await runCommand(main, { rawArgs: argv });
    return 0;
  } catch (err) {
    if (err instanceof ExitStatus) return err.code;
    // A provider refusing its settings at start (e.g. a Kite spot symbol not listed) is bad configuration too.
    const providerConfig = err instanceof ProviderError && err.code === "config";
    if (err instanceof ConfigError || err instanceof ServerStartError || err instanceof LockHeldError || err instanceof StartError || providerConfig) {
      console.error(`g6: ${err.message}`);
      return 2;
    }
    if (err instanceof Error && err.name === "CLIError") {
      console.error(`g6: ${err.message}`);
      return 2;
    }
    console.error(failureText(err, debug));
    return 1;
  }
}

process.exit(await cli(process.argv.slice(2)));
