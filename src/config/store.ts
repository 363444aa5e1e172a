/**
 * The running configuration and its reload (SIGHUP, `g6 config reload`). A reload re-reads the
 * same layers; an invalid result is rejected as a whole and the running config stays. Of the
 * changed settings, those marked reloadable (interval, strikes, expiries, log level, …) apply
 * from the next cycle; the others are reported as needing a restart and keep their values.
 */
import { describeSchema } from "./describe.ts";
import { loadConfig, type LoadedConfig, type LoadInput } from "./load.ts";
import { deepFreeze, getPath, setPath } from "./paths.ts";
import type { G6Config } from "./schema.ts";

export type ReloadResult = { applied: string[]; restartNeeded: string[] };

export type ConfigStore = {
  readonly current: Readonly<G6Config>;
  readonly loaded: LoadedConfig;
  /** Re-reads the layers; throws ConfigError (running config unchanged) when invalid. */
  reload(): ReloadResult;
};

/** Merges the reloadable changes of `next` into a copy of `current`; lists what changed. */
export function planReload(current: Readonly<G6Config>, next: Readonly<G6Config>): { config: G6Config; result: ReloadResult } {
  const config = structuredClone(current) as G6Config;
  const result: ReloadResult = { applied: [], restartNeeded: [] };
  for (const s of describeSchema().settings) {
    const before = getPath(current, s.path);
    const after = getPath(next, s.path);
    if (JSON.stringify(before) === JSON.stringify(after)) continue;
    if (s.reloadable) {
      setPath(config as unknown as Record<string, unknown>, s.path, structuredClone(after));
      result.applied.push(s.path);
    } else {
      result.restartNeeded.push(s.path);
    }
  }
  return { config: deepFreeze(config), result };
}

export function createConfigStore(input: LoadInput, initial: LoadedConfig = loadConfig(input)): ConfigStore {
  let loaded = initial;
  let current = initial.config;
  return {
    get current() {
      return current;
    },
    get loaded() {
      return loaded;
    },
    reload() {
      // The data directory is not reloadable and already in use: a full disk at reload time is a
      // fault the engine reports, not a reason to refuse a new interval or log level.
      const next = loadConfig({ ...input, file: initial.file ?? input.file, checkDataDir: false });
      const { config, result } = planReload(current, next.config);
      current = config;
      loaded = { ...next, config };
      return result;
    },
  };
}
