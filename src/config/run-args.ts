/**
 * Flags shared by the commands that load a configuration (run, config show, …) and their
 * mapping onto config key paths: the CLI layer of the loader. It is config vocabulary (the
 * loader's layers), so it lives here and the CLI imports it, never the reverse.
 */
import type { ArgsDef } from "citty";
import { ConfigError } from "./errors.ts";
import { decimalOrRaw, type LoadInput } from "./load.ts";
import { PROVIDER_KINDS } from "./providers.ts";

export const runArgs = {
  config: { type: "string", description: "JSON config file (default: config/g6.json if present)", valueHint: "FILE" },
  preset: { type: "string", description: "Named workload: g6-default, default, universe", valueHint: "NAME" },
  cycles: { type: "string", description: "Cycles to run, 0 = until stopped", default: "0", valueHint: "N" },
  interval: { type: "string", description: "Seconds between cycles (0 = back to back)", valueHint: "SECONDS" },
  provider: { type: "string", description: `Market data provider: ${PROVIDER_KINDS.join(", ")}`, valueHint: "NAME" },
  replay: { type: "string", description: "Replay this G6 CSV tree (provider.kind replay, provider.replay.path)", valueHint: "DIR" },
  "replay-date": { type: "string", description: "Recorded day to replay (provider.replay.date)", valueHint: "YYYY-MM-DD" },
  "replay-speed": { type: "string", description: "Replay at this real-time factor (provider.replay.speed; with --interval 0)", valueHint: "FACTOR" },
  recompute: { type: "boolean", description: "Replay: re-derive IV and Greeks from the recorded prices (provider.replay.recompute)" },
  seed: { type: "string", description: "Simulator seed", valueHint: "N" },
  "data-dir": { type: "string", description: "Output root directory", valueHint: "DIR" },
  pool: { type: "string", description: "Compute workers: auto, or a number (0 = inline)", valueHint: "N|auto" },
  "force-open": { type: "boolean", description: "Collect outside the market session too (market.force_open; live providers)" },
  strict: { type: "boolean", description: "Treat configuration warnings (unknown G6_* variables, deprecated settings) as errors" },
} as const satisfies ArgsDef;

type BooleanFlag = "strict" | "force-open" | "recompute";
export type RunArgs = { [K in Exclude<keyof typeof runArgs, BooleanFlag>]?: string } & { [K in BooleanFlag]?: boolean };

/** Maps CLI flags onto config key paths (the CLI layer). */
export function cliLayer(args: RunArgs): NonNullable<LoadInput["cli"]> {
  const out: NonNullable<LoadInput["cli"]> = [];
  const add = (flag: Exclude<keyof RunArgs, BooleanFlag>, path: string, parse: (s: string) => unknown) => {
    const value = args[flag];
    if (value !== undefined) out.push({ path, value: parse(value), flag: `--${flag}` });
  };
  add("interval", "interval", decimalOrRaw);
  add("provider", "provider.kind", (s) => s);
  // --replay DIR selects the replay provider unless --provider names one.
  if (args.replay !== undefined && args.provider === undefined) out.push({ path: "provider.kind", value: "replay", flag: "--replay" });
  add("replay", "provider.replay.path", (s) => s);
  add("replay-date", "provider.replay.date", (s) => s);
  add("replay-speed", "provider.replay.speed", decimalOrRaw);
  add("seed", "provider.sim.seed", decimalOrRaw);
  add("data-dir", "storage.data_dir", (s) => s);
  add("pool", "pool.size", (s) => (s === "auto" ? s : decimalOrRaw(s)));
  // Only a flag given sets it (--force-open or --no-force-open); absent, the lower layers decide.
  if (args["force-open"] !== undefined) out.push({ path: "market.force_open", value: args["force-open"], flag: "--force-open" });
  if (args.recompute !== undefined) out.push({ path: "provider.replay.recompute", value: args.recompute, flag: "--recompute" });
  return out;
}

/** The loader input for a command's flags and the process environment. */
export function loadInputFrom(args: RunArgs, env: Record<string, string | undefined>): LoadInput {
  return { preset: args.preset, file: args.config, useDefaultFile: true, env, cli: cliLayer(args), strict: Boolean(args.strict) };
}

/** `--cycles`: a whole number ≥ 0 written in decimal digits ("" or "0x10" is not one). */
export function parseCycles(raw: string | undefined): number {
  const n = /^\d+$/.test((raw ?? "0").trim()) ? Number(raw ?? "0") : Number.NaN;
  if (!Number.isSafeInteger(n)) throw new ConfigError([`--cycles: expected a whole number ≥ 0; got ${JSON.stringify(raw)}`]);
  return n;
}
