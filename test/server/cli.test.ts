/** The HTTP API through the real CLI: a taken port is a clear startup error (exit 2). */
import { expect, test } from "bun:test";
import { join } from "node:path";
import { tempDir } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

test("a port already in use exits 2 with a message naming the address, before any cycle", () => {
  const holder = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  try {
    const dir = tempDir();
    const proc = Bun.spawnSync([process.execPath, CLI, "--cycles", "1", "--interval", "0", "--pool", "0", "--data-dir", join(dir, "out")], {
      env: { ...process.env, NO_COLOR: "1", G6_SERVER__ENABLED: "true", G6_SERVER__PORT: String(holder.port), G6_SERVER__TOKEN: "tok-never-printed" },
    });
    const out = proc.stdout.toString() + proc.stderr.toString();
    expect(proc.exitCode).toBe(2);
    expect(out).toContain(`cannot listen on 127.0.0.1:${holder.port}: address already in use`);
    expect(out).not.toContain("cycle 1");
    expect(out).not.toContain("tok-never-printed");
  } finally {
    holder.stop(true);
  }
});

test("g6 metrics docs writes the generated catalog", async () => {
  const out = join(tempDir(), "METRICS.md");
  const proc = Bun.spawnSync([process.execPath, CLI, "metrics", "docs", "--out", out]);
  expect(proc.exitCode).toBe(0);
  const { metricsCatalog } = await import("../../src/metrics/index.ts");
  expect(await Bun.file(out).text()).toBe(metricsCatalog());
});
