/** The page's TypeScript checks against the DOM types (the root tsconfig leaves src/web/ui out: the engine must never see browser globals). */
import { expect, test } from "bun:test";
import { join } from "node:path";

test("src/web/ui typechecks with its own tsconfig (DOM types)", () => {
  const root = join(import.meta.dir, "../..");
  const proc = Bun.spawnSync([join(root, "node_modules/.bin/tsc"), "--noEmit", "-p", join(root, "src/web/ui")], { cwd: root });
  expect(proc.stdout.toString() + proc.stderr.toString()).toBe("");
  expect(proc.exitCode).toBe(0);
}, 120_000);
