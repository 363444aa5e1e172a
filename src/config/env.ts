/**
 * The process environment, read here and nowhere else. Settings come from `G6_*` variables
 * through the loader; other code (the dashboard's NO_COLOR and CI checks) gets this snapshot
 * passed in and never touches `process.env` itself.
 */

/** A snapshot of the environment variables (the loader reads only `G6_*` ones). */
export function processEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}
