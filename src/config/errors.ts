/** Configuration errors: every problem named by key path, exit status 2. */

/** A configuration problem; `problems` lists each one by key path. Exit status 2. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
    this.name = "ConfigError";
  }
}
