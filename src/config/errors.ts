/** Configuration errors and the JSON file reader shared by the config and secrets layers. */
import { readFileSync } from "node:fs";

/** A configuration problem; `problems` lists each one by key path. Exit status 2. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}

/** Reads and parses a JSON object file; `what` names it in messages ("config file", …). */
export function readJsonObject(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new ConfigError([`${what} ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`${what} ${file}: malformed JSON (${(err as Error).message})`]);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${what} ${file}: the top level must be a JSON object`]);
  }
  return parsed as Record<string, unknown>;
}
