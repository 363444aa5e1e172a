/**
 * The feeder of the live ticker bench (ticker-live.bench.ts), in its own process: a WebSocket
 * server on 127.0.0.1, port 0 (its port printed first). Each connection gets, every 100 ms, one
 * frame of full packets for the tokens it subscribed, `ticksPerSecond` ticks per token a second
 * (Kite batches a connection's ticks per frame). After `seconds` it prints, per connection, the
 * wall time (µs resolution) each frame was sent, and exits.
 * Usage: bun ticker-feed.ts <ticksPerSecond> <seconds>
 */
import { fullFrames } from "./ticker.bench.ts";

const [rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg ?? 5);
const seconds = Number(secondsArg ?? 3);
const periodMs = 100;
const wall = () => performance.timeOrigin + performance.now();
type Conn = { tokens: number[]; sent: number[]; started: boolean };
const conns: Conn[] = [];
let finished = 0;

const server = Bun.serve<Conn, never>({
  hostname: "127.0.0.1",
  port: 0,
  fetch: (req, srv) => (srv.upgrade(req, { data: { tokens: [], sent: [], started: false } }) ? undefined : new Response("upgrade", { status: 400 })),
  websocket: {
    open(ws) {
      conns.push(ws.data);
    },
    message(ws, raw) {
      const msg = JSON.parse(String(raw)) as { a: string; v: number[] };
      if (msg.a === "subscribe") ws.data.tokens.push(...msg.v);
      if (ws.data.started) return;
      ws.data.started = true;
      // Start once the subscriptions are in (they come in a burst).
      setTimeout(() => feed(ws), 200);
    },
  },
});

function feed(ws: import("bun").ServerWebSocket<Conn>): void {
  const c = ws.data;
  const perFrame = Math.ceil((c.tokens.length * rate) / (1000 / periodMs));
  const frames = fullFrames(Array.from({ length: perFrame * 10 }, (_, i) => c.tokens[i % c.tokens.length]!), perFrame);
  let k = 0;
  const end = performance.now() + seconds * 1000;
  const timer = setInterval(() => {
    if (performance.now() > end) {
      clearInterval(timer);
      ws.close();
      if (++finished === conns.length) {
        console.log(JSON.stringify({ sent: conns.map((x) => x.sent) }));
        setTimeout(() => process.exit(0), 100);
      }
      return;
    }
    c.sent.push(wall());
    ws.send(frames[k++ % frames.length]!);
  }, periodMs);
}
console.log(server.port);
