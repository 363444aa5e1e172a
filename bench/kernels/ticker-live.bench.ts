/**
 * The Kite ticker live, in its own process (run by bench/run.ts): G6's ticker connections
 * (src/providers/kite/ticker.ts) receiving full ticks from a feeder process (ticker-feed.ts)
 * over loopback, 5 ticks a second per instrument. Two runs:
 * - 9,000 instruments on 3 connections: the receiving process's CPU per second (WebSocket
 *   receive + decode, everything the main thread does for the stream);
 * - 3,000 instruments on 1 connection (one connection's share of the same load): the latency
 *   from a frame's send to its values being in the tick table, p50/p99 (the next cycle's
 *   snapshot then copies them: "kite-ticker snapshot 9000" in the kernels).
 * Usage: bun bench/kernels/ticker-live.bench.ts [--quick]
 */
import { join } from "node:path";
import { percentile } from "../stats.ts";
import { createTicker } from "../../src/providers/kite/ticker.ts";
import { createTickTable } from "../../src/providers/kite/ticker-decode.ts";
import { niftyTokens } from "./ticker.bench.ts";

const quick = process.argv.includes("--quick");
const seconds = quick ? 2 : 5;
const wall = () => performance.timeOrigin + performance.now();

async function run(instruments: number): Promise<{ cpuSeconds: number; packets: number; frames: number; elapsedS: number; latency: number[] }> {
  const feeder = Bun.spawn([process.execPath, join(import.meta.dir, "ticker-feed.ts"), "5", String(seconds)], { stdout: "pipe", stderr: "inherit" });
  const reader = feeder.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the feeder ended before printing its port");
    text += new TextDecoder().decode(value);
  }
  const port = Number(text.split("\n")[0]);
  const decodedAt: number[] = [];
  let packets = 0;
  const ticker = createTicker({
    url: `ws://127.0.0.1:${port}`,
    apiKey: "bench",
    accessToken: () => "bench",
    table: createTickTable(instruments),
    now: wall,
    silenceMs: 60_000,
    backoffBaseMs: 60_000,
    backoffMaxMs: 60_000,
    onFrame: (_at, n) => {
      decodedAt.push(wall());
      packets += n;
    },
  });
  ticker.setTokens(niftyTokens(instruments));
  await ticker.start(5000);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let rest = text.slice(text.indexOf("\n") + 1);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    rest += new TextDecoder().decode(value);
  }
  const elapsedS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  ticker.close();
  const sent: number[][] = JSON.parse(rest.trim().split("\n").at(-1)!).sent;
  // One connection: frames arrive in the order they were sent.
  const latency = sent.length === 1 ? decodedAt.slice(0, sent[0]!.length).map((t, i) => t - sent[0]![i]!) : [];
  return { cpuSeconds: (cpu.user + cpu.system) / 1e6, packets, frames: decodedAt.length, elapsedS, latency };
}

const f = (x: number, d = 2) => x.toFixed(d);
const full = await run(9000);
console.log(`  9000 instruments x 5 ticks/s on 3 connections, ${seconds} s: ${f(full.packets / full.elapsedS, 0)} packets/s in ${full.frames} frames`);
// The feed starts and ends a little apart on the three connections: CPU per packet, scaled to the nominal 45,000 packets/s.
console.log(`  receive + decode CPU     ${f((full.cpuSeconds / full.packets) * 45_000 * 100, 1).padStart(8)} % of a core at 45000 packets/s (whole receiving process; ${f((full.cpuSeconds / full.packets) * 1e6, 2)} µs per packet)`);
const one = await run(3000);
console.log(`  send -> in tick table    ${f(percentile(one.latency, 0.5)).padStart(8)} ms p50, ${f(percentile(one.latency, 0.99))} ms p99 (1 connection, 3000 instruments, frames of ${f(one.packets / Math.max(1, one.frames), 0)} packets)`);
