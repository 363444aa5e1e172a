/**
 * The live dashboard in a real terminal: g6 runs under tmux at two sizes; the captured pane must
 * show every panel and the key values, and Ctrl-C must leave the alternate screen, show the
 * cursor again and exit 0. tmux is required: without it these tests fail.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { requireBinary } from "../helpers/binaries.ts";
import { tempDir } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");
const SOCKET = `g6-live-test-${process.pid}`;
const TMUX = Bun.which("tmux");

function tmux(...args: string[]): string {
  const p = Bun.spawnSync([requireBinary("tmux"), "-L", SOCKET, ...args], { stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`tmux ${args.join(" ")}: ${p.stderr.toString()}`);
  return p.stdout.toString();
}

async function waitFor(session: string, what: (pane: string) => boolean, ms = 30_000): Promise<string> {
  const until = Date.now() + ms;
  let pane = "";
  while (Date.now() < until) {
    pane = tmux("capture-pane", "-p", "-t", session);
    if (what(pane)) return pane;
    await Bun.sleep(200);
  }
  throw new Error(`timed out; the pane shows:\n${pane}`);
}

// A session that lives as long as the file: killing a test's session must not make the tmux
// server exit while the next test is creating its own ("server exited unexpectedly").
beforeAll(() => {
  tmux("new-session", "-d", "-s", "keepalive");
});

afterAll(() => {
  if (TMUX) Bun.spawnSync([TMUX, "-L", SOCKET, "kill-server"]);
});

describe("live dashboard under tmux", () => {
  test("tmux is installed", () => {
    expect(requireBinary("tmux")).toEndWith("/tmux");
  });

  for (const [columns, rows] of [[160, 50], [80, 30]] as const) {
    test(`${columns}x${rows}: panels and values on screen; Ctrl-C restores the terminal`, async () => {
      const dir = tempDir("g6-live-");
      const config = join(dir, "g6.json");
      writeFileSync(config, JSON.stringify({ summary: { mode: "live" }, pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00", seed: 3 } } }));
      const session = `s${columns}`;
      tmux("new-session", "-d", "-x", String(columns), "-y", String(rows), "-s", session, "env -u NO_COLOR bash --norc --noprofile");
      tmux("set-option", "-t", session, "status", "off");
      const cmd = `cd ${dir} && echo BEFORE-G6 && G6_SERVER__PORT=0 ${process.execPath} ${CLI} --interval 1 --config ${config} --data-dir out; echo G6-EXIT=$?`;
      // The server listens on an ephemeral port: a g6 already running on this machine is no obstacle.
      tmux("send-keys", "-t", session, cmd, "Enter");
      const pane = await waitFor(session, (p) => p.includes("─ Alerts ") && /cycle [2-9]/.test(p));
      for (const title of ["─ G6 ", "─ Indices ", "─ Expiries ", "─ Performance ", "─ Storage ", "─ Links ", "─ Alerts "]) expect(pane).toContain(title);
      for (const value of ["● OPEN", "2026-11-20 10:00:0", "provider sim", "NIFTY", "SENSEX", "this_week", "data out", "168/168"]) expect(pane).toContain(value);
      if (columns >= 120) for (const value of ["SUPPORT", "2026-11-23", "MIDCPNIFTY next_month"]) expect(pane).toContain(value);
      else expect(pane).not.toContain("2026-11-23");
      const lines = pane.split("\n").filter((l) => l.length > 0);
      expect(lines.length).toBe(rows);
      expect(tmux("display-message", "-p", "-t", session, "#{alternate_on} #{cursor_flag}").trim()).toBe("1 0");
      tmux("send-keys", "-t", session, "C-c");
      const after = await waitFor(session, (p) => /G6-EXIT=\d/.test(p));
      expect(after).toContain("G6-EXIT=0");
      expect(after).toContain("BEFORE-G6");
      expect(after).not.toContain("─ Expiries ");
      expect(tmux("display-message", "-p", "-t", session, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
      tmux("kill-session", "-t", session);
    });
  }

  test("a second Ctrl-C during a long cycle exits at once (130) and still restores the terminal", async () => {
    const dir = tempDir("g6-live-");
    const config = join(dir, "g6.json");
    writeFileSync(config, JSON.stringify({ summary: { mode: "live" }, provider: { sim: { start: "2026-11-20T10:00", seed: 3 } } }));
    const session = "force";
    tmux("new-session", "-d", "-x", "120", "-y", "40", "-s", session, "env -u NO_COLOR bash --norc --noprofile");
    tmux("set-option", "-t", session, "status", "off");
    // Universe cycles on the pool last long enough and wait on the workers: the second Ctrl-C
    // lands inside a cycle.
    const cmd = `cd ${dir} && G6_SERVER__PORT=0 ${process.execPath} ${CLI} --preset universe --pool 2 --interval 0 --config ${config} --data-dir out; echo G6-EXIT=$?`;
    tmux("send-keys", "-t", session, cmd, "Enter");
    await waitFor(session, (p) => p.includes("─ Alerts ") && /cycle [1-9]/.test(p), 60_000);
    expect(tmux("display-message", "-p", "-t", session, "#{alternate_on}").trim()).toBe("1");
    tmux("send-keys", "-t", session, "C-c");
    await Bun.sleep(30);
    tmux("send-keys", "-t", session, "C-c");
    const after = await waitFor(session, (p) => /G6-EXIT=\d/.test(p));
    expect(after).toContain("G6-EXIT=130");
    expect(after).toContain("second SIGINT: exiting without finishing the running cycle");
    expect(after).not.toContain("─ Expiries ");
    expect(tmux("display-message", "-p", "-t", session, "#{alternate_on} #{cursor_flag}").trim()).toBe("0 1");
    tmux("kill-session", "-t", session);
  }, 90_000);
});
