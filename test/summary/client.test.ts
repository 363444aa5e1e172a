/** `g6 summary`: attaching to a running engine through its status file, and through /events. */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createMarketCalendar } from "../../src/market/calendar.ts";
import { runSummaryClient, type Display } from "../../src/summary/dashboard.ts";
import type { SummarySnapshot } from "../../src/summary/model.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";

const CLI = join(import.meta.dir, "../../src/cli.ts");

async function engineDir(): Promise<string> {
  const dir = tempDir("g6-client-");
  await runEngine(testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00", seed: 9 } }, storage: { data_dir: dir } }), 2);
  return dir;
}

/** A port with nothing listening on it. */
function freePort(): number {
  const s = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: () => new Response("") });
  const port = s.port!;
  s.stop(true);
  return port;
}

function capture(): { display: Display; shown: SummarySnapshot[] } {
  const shown: SummarySnapshot[] = [];
  return { shown, display: { mode: "plain", show: (s) => shown.push(s), close() {} } };
}

const base = { pollMs: 50, calendar: createMarketCalendar({ holidays: [] }), links: { metricsUrl: null, dataDir: "data" }, windowCycles: 10, now: () => Date.now(), token: null };

describe("g6 summary", () => {
  test("without a server it polls the status file (the real command, plain, once)", async () => {
    const dir = await engineDir();
    const p = Bun.spawnSync([process.execPath, CLI, "summary", "--plain", "--once", "--data-dir", dir, "--port", String(freePort())], { env: { ...process.env, NO_COLOR: "1" } });
    const out = p.stdout.toString();
    expect(p.exitCode).toBe(0);
    expect(out).toContain("[g6] 2026-11-20 10:01:00 IST OPEN | sim auth ok | #2 every 60s");
    expect(out).toMatch(/NIFTY +\d+\.\d\d/);
    expect(out).toContain("this_week  2026-11-23");
  });

  test("status-file source: a snapshot per new document", async () => {
    const dir = await engineDir();
    const { display, shown } = capture();
    const controller = new AbortController();
    const source = await runSummaryClient({ ...base, display, eventsUrl: `http://127.0.0.1:${freePort()}/events`, statusFile: join(dir, "runtime_status.json"), signal: controller.signal, limit: 1 });
    expect(source).toBe("status-file");
    expect(shown).toHaveLength(1);
    expect(shown[0]!.header.cycle).toBe(2);
    expect(shown[0]!.indices.map((i) => i.index)).toEqual(["NIFTY", "BANKNIFTY", "FINNIFTY", "MIDCPNIFTY", "SENSEX"]);
    expect(shown[0]!.expiries.length).toBeGreaterThan(0);
    expect(Number.isNaN(shown[0]!.indices[0]!.change)).toBe(true);
  });

  test("events source: the snapshot event, then /status on each cycle event", async () => {
    const dir = await engineDir();
    const doc = JSON.parse(readFileSync(join(dir, "runtime_status.json"), "utf8"));
    const next = { ...doc, cycle: doc.cycle + 1 };
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch(req) {
        if (new URL(req.url).pathname === "/status") return Response.json(next);
        const body = `retry: 2000\n\nid: 1\nevent: snapshot\ndata: ${JSON.stringify(doc)}\n\n: heartbeat\n\nid: 2\nevent: cycle\ndata: ${JSON.stringify({ cycle: next.cycle, indices: [] })}\n\n`;
        return new Response(body, { headers: { "content-type": "text/event-stream" } });
      },
    });
    try {
      const { display, shown } = capture();
      const source = await runSummaryClient({ ...base, display, eventsUrl: `http://127.0.0.1:${server.port}/events`, statusFile: join(dir, "absent.json"), signal: new AbortController().signal, limit: 2 });
      expect(source).toBe("events");
      expect(shown.map((s) => s.header.cycle)).toEqual([2, 3]);
    } finally {
      server.stop(true);
    }
  });
});
