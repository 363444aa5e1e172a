/**
 * Temp dirs made through the test helpers, removed once every test file has run (the preload's
 * afterAll, test/setup.ts): a universe run leaves hundreds of MB, and a day of runs filled /tmp.
 * A dir whose test failed is removed too; rerun the one test to look at its files.
 */
import { rmSync } from "node:fs";

const made: string[] = [];

export function trackTempDir(dir: string): string {
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}
