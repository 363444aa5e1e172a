/** Programs the tests run against (installed by scripts/test-deps.sh, which `npm test` runs first). */

const PACKAGES: Record<string, string> = { promtool: "prometheus", prometheus: "prometheus", tmux: "tmux", "victoria-metrics": "victoria-metrics", influxd: "influxdb", chromium: "chromium" };

/** The path of `name` on PATH; throws naming the program and how to install it when it is missing. */
export function requireBinary(name: keyof typeof PACKAGES & string): string {
  const path = Bun.which(name);
  if (!path) {
    throw new Error(`${name} is not installed: run scripts/test-deps.sh (as root) or apt-get install ${PACKAGES[name] ?? name}`);
  }
  return path;
}
