/**
 * The process environment, read here and nowhere else. Settings come from `G6_*` variables
 * through the loader; the few conventions that are not settings (NO_COLOR, CI) are exposed as
 * flags so that callers never touch `process.env` themselves.
 */

/** A snapshot of the environment variables (the loader reads only `G6_*` ones). */
export function processEnvironment(): Record<string, string | undefined> {
  return { ...process.env };
}

/** Terminal conventions honoured by the renderers. */
export function terminalConventions(): { noColor: boolean; ci: boolean; term: string } {
  const env = process.env;
  return { noColor: env.NO_COLOR !== undefined && env.NO_COLOR !== "", ci: env.CI !== undefined && env.CI !== "" && env.CI !== "false", term: env.TERM ?? "" };
}
