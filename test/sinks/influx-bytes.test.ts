/**
 * The InfluxDB sink's bytes path (g6 ingest's large payloads): batches cut at line ends and posted
 * as the payload's bytes, several at once; the same answers as the line path: a partial write
 * still finds exactly the refused lines, a 5xx or 429 is retriable with Retry-After, v1 and v2
 * with their credentials and gzip.
 */
import { afterEach, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SinkError } from "../../src/contracts/index.ts";
import { createInfluxSink, cutLines, type InfluxSinkOptions } from "../../src/sinks/influx/sink.ts";
import { tempDir } from "../helpers/engine.ts";
import { type FakeInflux, influxSinkOptions, pointKey, startFakeInflux } from "../fakes/influx.ts";

const stops: (() => void)[] = [];
afterEach(() => {
  for (const s of stops.splice(0)) s();
});

function fake(script?: Parameters<typeof startFakeInflux>[0]): FakeInflux {
  const f = startFakeInflux(script);
  stops.push(() => f.stop());
  return f;
}

function sinkFor(url: string, over: Partial<InfluxSinkOptions> = {}) {
  const deadLetterFile = join(tempDir(), "dead.lp");
  const sink = createInfluxSink(influxSinkOptions(url, deadLetterFile, { database: "g6db", batchLines: 100, bytes: true, concurrency: 3, ...over }));
  return { sink, deadLetterFile };
}

const payload = (n: number, bad: number[] = []) =>
  new TextEncoder().encode(Array.from({ length: n }, (_, i) => `option_data,index=NIFTY,strike=${20000 + 50 * i},type=CE price=${bad.includes(i) ? `"bad"` : `${100 + i}.5`} 1700000000000`).join("\n") + "\n");

test("cut at every per-th line end: views of the payload, every line counted once", () => {
  const p = payload(250);
  const cut = cutLines(p, 100);
  expect(cut.lines).toBe(250);
  expect(cut.batches.map((b) => new TextDecoder().decode(b).split("\n").filter(Boolean).length)).toEqual([100, 100, 50]);
  expect(Buffer.concat(cut.batches).equals(Buffer.from(p))).toBe(true);
  // A last line without its newline is still a line.
  expect(cutLines(new TextEncoder().encode("a 1\nb 2"), 100).lines).toBe(2);
});

test("v2: the batches as bytes, 3 in flight at most, every line once, the token sent", async () => {
  let inFlight = 0;
  let most = 0;
  const f = fake(() => {
    inFlight++;
    most = Math.max(most, inFlight);
    return null;
  });
  // The fake answers at once; hold each answer a little so that concurrency shows.
  const slow = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const res = await fetch(`${f.url}${new URL(req.url).pathname}${new URL(req.url).search}`, { method: "POST", headers: req.headers, body: await req.arrayBuffer() });
      await Bun.sleep(30);
      inFlight--;
      return new Response(null, { status: res.status });
    },
  });
  stops.push(() => slow.stop(true));
  const { sink } = sinkFor(`http://127.0.0.1:${slow.port}`);
  const report = await sink.deliver(payload(1000));
  expect(report).toMatchObject({ rows: 1000, rejected: 0 });
  expect(f.requests).toHaveLength(10);
  expect(f.points.size).toBe(1000);
  expect(most).toBe(3);
  const r = f.requests[0]!;
  expect([r.path, r.query.get("org"), r.query.get("bucket"), r.query.get("precision"), r.headers.get("authorization")]).toEqual(["/api/v2/write", "g6org", "g6", "ms", "Token secret-token"]);
});

test("v1 with gzip and Basic credentials", async () => {
  const f = fake();
  const { sink } = sinkFor(f.url, { api: "v1", gzip: true, username: "u", password: "p", token: null, concurrency: 1 });
  expect(await sink.deliver(payload(150))).toMatchObject({ rows: 150 });
  expect(f.requests.map((r) => [r.path, r.query.get("db"), r.headers.get("content-encoding"), r.headers.get("authorization")])).toEqual([
    ["/write", "g6db", "gzip", `Basic ${Buffer.from("u:p").toString("base64")}`],
    ["/write", "g6db", "gzip", `Basic ${Buffer.from("u:p").toString("base64")}`],
  ]);
  expect(f.points.size).toBe(150);
});

test("a partial write: found line by line, exactly the refused lines dead-lettered; the rest land", async () => {
  const f = fake((req) => {
    const bad = req.lines.filter((l) => l.includes('"bad"'));
    if (!bad.length) return null;
    for (const l of req.lines) if (!bad.includes(l)) f.points.set(pointKey(l), l);
    return Response.json({ error: `partial write: field type conflict dropped=${bad.length}` }, { status: 400 });
  });
  const { sink, deadLetterFile } = sinkFor(f.url);
  const report = await sink.deliver(payload(300, [7, 250]));
  expect(report).toMatchObject({ rows: 298, rejected: 2, deadLettered: 2 });
  expect(f.points.size).toBe(298);
  const dead = readFileSync(deadLetterFile, "utf8").split("\n").filter((l) => l && !l.startsWith("#"));
  expect(dead.map((l) => l.match(/strike=(\d+)/)![1]).sort()).toEqual(["20350", "32500"]);
});

test("a 503 with Retry-After: a retriable error; the payload is not counted delivered", async () => {
  const f = fake((_, n) => (n === 2 ? new Response("busy", { status: 503, headers: { "retry-after": "7" } }) : null));
  const { sink } = sinkFor(f.url, { concurrency: 1 });
  const err = await sink.deliver(payload(300)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SinkError);
  expect([(err as SinkError).retriable, (err as SinkError).code, (err as SinkError).retryAfterMs]).toEqual([true, "unavailable", 7000]);
  // The first batch landed (an upsert when the payload is sent again), the third was never sent.
  expect(f.requests).toHaveLength(2);
});
