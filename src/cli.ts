#!/usr/bin/env bun
/**
 * The G6 command line (citty). The only place that reads process state (argv, env, signals)
 * and calls process.exit. Exit status: 0 ok, 1 runtime failure, 2 bad configuration or usage.
 */
import { defineCommand, runCommand, showUsage, type ArgsDef, type CommandDef } from "citty";
import { createConsola, LogLevels } from "consola";
import { writeFileSync } from "node:fs";
import { createApp } from "./app.ts";
import { loadInputFrom, parseCycles, runArgs, type RunArgs } from "./cli-args.ts";
import { parseCommandLine } from "./cli-parse.ts";
import { configCommand } from "./config/commands.ts";
import { processEnvironment } from "./config/env.ts";
import { ConfigError, loadConfig } from "./config/load.ts";
import { activeConfigDocument } from "./config/render.ts";
import { createConfigStore } from "./config/store.ts";
import { ExitStatus } from "./exit.ts";
import { underDataDir } from "./sinks/csv/sink.ts";
import { writeFileAtomic } from "./sinks/status/sink.ts";
import { createRunDashboard, panelsCommand, summaryCommand, type Host } from "./summary/commands.ts";
import { metricsCatalog } from "./metrics/index.ts";
import { ServerStartError, startServer, type G6Server } from "./server/server.ts";

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
  };
}

const run = defineCommand({
  meta: { name: "run", description: "Run the collector (the default command)" },
  args: runCommandArgs,
  async run({ args }) {
    const cycles = parseCycles(args.cycles);
    const input = loadInputFrom(args as RunArgs, processEnvironment());
    const store = createConfigStore(input, loadConfig(input));
    const config = store.current;
    const dashboard = createRunDashboard(processHost(), config, Boolean(args.plain));
    const log = createConsola({ level: LogLevels[config.log.level], ...(dashboard.reporters ? { reporters: dashboard.reporters } : {}) }).withTag("g6");
    for (const w of store.loaded.warnings) log.warn(w);
    const active = activeConfigDocument(store.loaded, new Date());
    writeFileAtomic(underDataDir(config.storage.data_dir, "active_config.json"), `${JSON.stringify(active, null, 2)}\n`);
    log.info(`config ${active.hash} (${Object.keys(active.sources).length} values set outside the defaults${store.loaded.file ? `, file ${store.loaded.file}` : ""})`);
    const controller = new AbortController();
    const stop = (signal: string) => {
      if (controller.signal.aborted) return;
      log.info(`${signal}: finishing the current cycle, then flushing`);
      controller.abort();
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    const reload = () => {
      try {
        const result = store.reload();
        log.level = LogLevels[store.current.log.level];
        log.info(`config reloaded: ${result.applied.length ? `applied ${result.applied.join(", ")}` : "no reloadable change"}` + (result.restartNeeded.length ? `; needs a restart: ${result.restartNeeded.join(", ")}` : ""));
        return { ok: true as const, ...result };
      } catch (err) {
        const message = err instanceof ConfigError ? err.problems.join("; ") : String(err);
        log.error(`config reload rejected, running config unchanged: ${message}`);
        return { ok: false as const, error: message };
      }
    };
    process.on("SIGHUP", () => void reload());
    const app = createApp(config, { log, currentConfig: () => store.current, onSummary: (snapshot) => dashboard.display.show(snapshot) });
    dashboard.attach(app.summary);
    let server: G6Server | null = null;
    if (config.server.enabled) {
      try {
        server = startServer(config.server, app.observability, log.withTag("server"), { reload });
      } catch (err) {
        await app.pool?.close();
        throw err;
      }
      log.info(`HTTP API on ${server.url}`);
    }
    log.info(`provider ${app.provider.name}, ${cycles || "unbounded"} cycles, interval ${config.interval}s, data in ${config.storage.data_dir}`);
    try {
      await app.run({ cycles, signal: controller.signal });
    } finally {
      await server?.stop();
      dashboard.display.close();
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

const VERSION = "0.1.0";

const main = defineCommand({
  meta: { name: "g6", version: VERSION, description: "Options-chain collection and analytics for Indian index options" },
  args: runCommandArgs,
  subCommands: { run, config: configCommand(processEnvironment), metrics, summary: summaryCommand(processHost()), panels: panelsCommand(processHost()) },
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
    if (err instanceof ConfigError || err instanceof ServerStartError) {
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
