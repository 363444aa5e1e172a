/** Test helpers for configuration: the problems a ConfigError lists. */
import { ConfigError } from "../../src/config/load.ts";

/** Runs fn, which must throw a ConfigError, and returns its problems. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}
