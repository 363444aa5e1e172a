#!/usr/bin/env bun
/**
 * The G6 command line (citty). The only place that reads process state (argv, env, signals)
 * and calls process.exit. Exit status: 0 ok, 1 runtime failure, 2 bad configuration or usage.
 */
import { defineCommand, runCommand, showUsage, type ArgsDef } from "citty";
import { createConsola, LogLevels } from "consola";
import { createApp } from "./app.ts";
import { writeFileSync } from "node:fs";
import { ConfigError, loadConfig, type LoadInput } from "./config/load.ts";
import { createRunDashboard, ExitStatus, panelsCommand, summaryCommand, type Host } from "./summary/commands.ts";
import { metricsCatalog } from "./metrics/index.ts";
import { ServerStartError, startServer, type G6Server } from "./server/server.ts";

const runArgs = {
  config: { type: "string", description: "JSON config file (layered over the defaults)", valueHint: "FILE" },
  preset: { type: "string", description: "Named workload: g6-default, default, universe", valueHint: "NAME" },
  cycles: { type: "string", description: "Cycles to run, 0 = until stopped", default: "0", valueHint: "N" },
  interval: { type: "string", description: "Seconds between cycles (0 = back to back)", valueHint: "SECONDS" },
  provider: { type: "string", description: "Market data provider: sim", valueHint: "NAME" },
  seed: { type: "string", description: "Simulator seed", valueHint: "N" },
  "data-dir": { type: "string", description: "Output root directory", valueHint: "DIR" },
  pool: { type: "string", description: "Compute workers: auto, or a number (0 = inline)", valueHint: "N|auto" },
} as const satisfies ArgsDef;

type RunArgs = { [K in keyof typeof runArgs]?: string };

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
    env: process.env,
    onStop(fn) {
      process.on("SIGINT", () => fn("SIGINT"));
      process.on("SIGTERM", () => fn("SIGTERM"));
    },
    onExit: (fn) => void process.on("exit", fn),
    print: (line) => console.log(line),
  };
}

const numberOrRaw = (s: string) => (s.trim() !== "" && Number.isFinite(Number(s)) ? Number(s) : s);

/** Maps CLI flags onto config key paths (the CLI layer). */
export function cliLayer(args: RunArgs): NonNullable<LoadInput["cli"]> {
  const out: NonNullable<LoadInput["cli"]> = [];
  const add = (flag: keyof RunArgs, path: string, parse: (s: string) => unknown) => {
    const value = args[flag];
    if (value !== undefined) out.push({ path, value: parse(value), flag: `--${flag}` });
  };
  add("interval", "interval", numberOrRaw);
  add("provider", "provider.kind", (s) => s);
  add("seed", "provider.sim.seed", numberOrRaw);
  add("data-dir", "storage.data_dir", (s) => s);
  add("pool", "pool.size", (s) => (s === "auto" ? s : numberOrRaw(s)));
  return out;
}

function parseCycles(raw: string | undefined): number {
  const n = Number(raw ?? "0");
  if (!Number.isInteger(n) || n < 0) throw new ConfigError([`--cycles: expected a whole number ≥ 0; got ${JSON.stringify(raw)}`]);
  return n;
}

const run = defineCommand({
  meta: { name: "run", description: "Run the collector (the default command)" },
  args: runCommandArgs,
  async run({ args }) {
    const cycles = parseCycles(args.cycles);
    const { config, warnings } = loadConfig({ preset: args.preset, file: args.config, env: process.env, cli: cliLayer(args) });
    const dashboard = createRunDashboard(processHost(), config, Boolean(args.plain));
    const log = createConsola({ level: LogLevels[config.log.level], ...(dashboard.reporters ? { reporters: dashboard.reporters } : {}) }).withTag("g6");
    for (const w of warnings) log.warn(w);
    const controller = new AbortController();
    const stop = (signal: string) => {
      if (controller.signal.aborted) return;
      log.info(`${signal}: finishing the current cycle, then flushing`);
      controller.abort();
    };
    process.on("SIGINT", () => stop("SIGINT"));
    process.on("SIGTERM", () => stop("SIGTERM"));
    const app = createApp(config, { log, onSummary: (snapshot) => dashboard.display.show(snapshot) });
    dashboard.attach(app.summary);
    let server: G6Server | null = null;
    if (config.server.enabled) {
      try {
        server = startServer(config.server, app.observability, log.withTag("server"));
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

const main = defineCommand({
  meta: { name: "g6", version: "0.1.0", description: "Options-chain collection and analytics for Indian index options" },
  args: runCommandArgs,
  subCommands: { run, metrics, summary: summaryCommand(processHost()), panels: panelsCommand(processHost()) },
  default: "run",
});

async function cli(argv: string[]): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    const sub = argv.find((a) => !a.startsWith("-"));
    await showUsage(sub === "run" ? run : main, sub === "run" ? main : undefined);
    return 0;
  }
  if (argv.includes("--version")) {
    console.log("0.1.0");
    return 0;
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
    console.error("g6: fatal:", err instanceof Error ? (err.stack ?? err.message) : err);
    return 1;
  }
}

process.exit(await cli(process.argv.slice(2)));
