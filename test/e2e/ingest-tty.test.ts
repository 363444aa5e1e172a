/**
 * g6 ingest on a terminal (tmux): stderr is a TTY, so progress is a bar redrawn in place and
 * cleared at the end, the per-day lines are not printed, and the report follows on a clean
 * screen. The raw bytes of the pane are recorded (pipe-pane) to see the redraws themselves.
 * tmux and victoria-metrics are required: without them this test fails naming them.
 */
import { afterAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireBinary } from "../helpers/binaries.ts";
import { tempDir } from "../helpers/engine.ts";
import { startVictoriaMetrics } from "../helpers/influx-servers.ts";
import { CLI } from "../helpers/process.ts";

const SOCKET = `g6-ingest-tty-${process.pid}`;
const stops: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const s of stops) await s();
});

function tmux(...args: string[]): string {
  const p = Bun.spawnSync([requireBinary("tmux"), "-L", SOCKET, ...args], { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${p.stderr.toString()}`);
  return p.stdout.toString();
}

test("on a terminal: a bar with files, rows, rows/s and ETA, redrawn in place, cleared; no per-day lines; the report after it", async () => {
  const dir = tempDir("g6-ingest-tty-");
  const vm = await startVictoriaMetrics(dir);
  stops.push(() => vm.stop());
  // A simulator day of 40 cycles (two indices), recorded by the real app.
  const sim = join(dir, "sim.json");
  writeFileSync(sim, JSON.stringify({ indices: { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } }, server: { enabled: false }, storage: { panels: { enabled: false } } }));
  const rec = Bun.spawnSync([process.execPath, CLI, "--cycles", "40", "--interval", "0", "--pool", "0", "--data-dir", join(dir, "rec"), "--config", sim], {
    env: { ...process.env, G6_PROVIDER__SIM__START: "2026-11-17T10:00", G6_PROVIDER__SIM__STEP_SECONDS: "60" },
    stdout: "ignore",
    stderr: "pipe",
  });
  expect(rec.exitCode).toBe(0);
  const cfg = join(dir, "ingest.json");
  writeFileSync(cfg, JSON.stringify({ indices: { FINNIFTY: { enabled: false }, MIDCPNIFTY: { enabled: false }, SENSEX: { enabled: false } }, storage: { influx: { enabled: true, url: vm.url, bucket: "g6" } } }));

  tmux("new-session", "-d", "-x", "150", "-y", "30", "-s", "ingest", "env -u NO_COLOR bash --norc --noprofile");
  stops.push(() => void Bun.spawnSync([requireBinary("tmux"), "-L", SOCKET, "kill-server"]));
  tmux("set-option", "-t", "ingest", "status", "off");
  const raw = join(dir, "pane.raw");
  tmux("pipe-pane", "-t", "ingest", "-o", `cat >> ${raw}`);
  tmux("send-keys", "-t", "ingest", `${process.execPath} ${CLI} ingest ${join(dir, "rec", "g6_data")} --config ${cfg} --data-dir ${join(dir, "out")} --pool 0; echo INGEST-EXIT=$?`, "Enter");
  let pane = "";
  for (const until = Date.now() + 60_000; Date.now() < until; await Bun.sleep(200)) {
    pane = tmux("capture-pane", "-p", "-t", "ingest");
    if (/INGEST-EXIT=\d/.test(pane)) break;
  }
  expect(pane).toContain("INGEST-EXIT=0");
  expect(pane).toContain("g6 ingest: done in");
  // The bar is gone from the screen, and no per-day line was printed.
  expect(pane).not.toContain("rows/s · ETA");
  expect(pane).not.toContain("[1/1]");
  // The bytes written: the bar drawn in place (carriage return, erase to the end of the line), with its figures, then erased.
  expect(existsSync(raw)).toBe(true);
  const bytes = readFileSync(raw, "utf8");
  const draws = bytes.split("\r[").slice(1);
  expect(draws.length).toBeGreaterThanOrEqual(1);
  expect(draws[0]).toMatch(/^[#-]+\] +\d+% · 2026-11-17 · files \d+\/\d+ · [\d,]+ rows · [\d,]+ rows\/s · ETA /);
  expect(bytes).toContain("\r\x1b[K");
  expect(bytes.indexOf("\r[")).toBeLessThan(bytes.lastIndexOf("g6 ingest: done in"));
}, 120_000);
