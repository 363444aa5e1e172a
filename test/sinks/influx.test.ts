/**
 * The InfluxDB sink: its lines (schema, field types, missing values absent) and how it classifies
 * every answer, against a loopback fake speaking both write paths: 200 and 204 accepted; 413
 * split in half; 429 with Retry-After honoured by the running sink; 401 kept, the sink failing
 * and alerted; 5xx and a refused connection only degrading it while the spool keeps everything;
 * a server that never answers timing out; a partial write dead-lettering exactly its bad lines.
 */
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createConsola } from "consola";
import { createBatch } from "../../src/chain/batch.ts";
import { type CycleResult, emptySinkTotals, type EngineStats, SinkError, type SinkSpool, type SpoolableSink } from "../../src/contracts/index.ts";
import { createRunningSink } from "../../src/engine/running-sink.ts";
import { cycleLines, escapeKey, optionLines, quoteString } from "../../src/sinks/influx/lines.ts";
import { createInfluxSink, type InfluxSinkOptions } from "../../src/sinks/influx/sink.ts";
import { retryAfterMs } from "../../src/sinks/retry-after.ts";
import { createDiskSpool } from "../../src/sinks/spool/disk-spool.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { eventually } from "../helpers/wait.ts";
import { type FakeInflux, influxSinkOptions, pointKey, startFakeInflux, startSilentServer } from "../fakes/influx.ts";

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
  const dir = tempDir();
  const deadLetterFile = join(dir, "dead.lp");
  const sink = createInfluxSink(influxSinkOptions(url, deadLetterFile, { gzip: true, now: () => Date.UTC(2026, 10, 20, 5, 0, 0), ...over }));
  return { sink, deadLetterFile, dir };
}

const enc = (s: string) => new TextEncoder().encode(s);
const payload = (n: number, bad: number[] = []) =>
  enc(Array.from({ length: n }, (_, i) => `option_data,index=NIFTY,strike=${24000 + 50 * i},type=CE price=${bad.includes(i) ? `"bad"` : `${100 + i}.5`} 1700000000000`).join("\n") + "\n");

async function thrown(p: Promise<unknown>): Promise<SinkError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SinkError);
  return err as SinkError;
}

test("option_data lines: the Python G6's tags and float fields with the CSV's decimals; a missing value is an absent field, a leg with nothing is no line", () => {
  const b = createBatch([{ index: "NIFTY", tag: "this_week", expiry: "2026-11-27", spot: 24010, atm: 24000, T: 0.02, df: 0.999, strikes: [24000, 24050] }]);
  // 24000 CE: everything; 24000 PE: only a price and OI (integer-valued); 24050 CE: nothing; 24050 PE: only OI.
  Object.assign(b.last, [101.25, 88, Number.NaN, Number.NaN]);
  Object.assign(b.oi, [1500, 2000, Number.NaN, 300]);
  for (const f of ["iv", "delta", "gamma", "theta", "vega", "rho", "bid", "ask", "avg"] as const) b[f][0] = 0.5;
  b.volume[0] = 42;
  // Decimals as the CSV files have them: gamma 8, iv 6, theta 4, prices 2.
  b.gamma[0] = 0.000123456789;
  b.iv[0] = 0.1434567;
  b.theta[0] = -12.34567;
  b.quoteTime[0] = Date.UTC(2026, 10, 20, 4, 59, 58);
  const out: string[] = [];
  expect(optionLines(b, Date.UTC(2026, 10, 20, 5, 0, 0), out)).toBe(3);
  expect(out).toEqual([
    "option_data,expiry=2026-11-27,index=NIFTY,strike=24000,symbol=NIFTY26112724000CE,type=CE price=101.25,oi=1500,volume=42,iv=0.143457,delta=0.5,gamma=0.00012346,theta=-12.3457,vega=0.5,rho=0.5,bid=0.5,ask=0.5,avg_price=0.5,quote_age_seconds=2 1795150800000",
    "option_data,expiry=2026-11-27,index=NIFTY,strike=24000,symbol=NIFTY26112724000PE,type=PE price=88,oi=2000 1795150800000",
    "option_data,expiry=2026-11-27,index=NIFTY,strike=24050,symbol=NIFTY26112724050PE,type=PE oi=300 1795150800000",
  ]);
});

test("the escaper: commas, equals signs and spaces in tags; quotes and backslashes in strings", () => {
  expect(escapeKey("NIFTY")).toBe("NIFTY");
  expect(escapeKey("a b,c=d\\e")).toBe("a\\ b\\,c\\=d\\\\e");
  expect(quoteString('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
});

test("a real cycle: option lines for every leg with data, one options_expiry line per expiry and one options_overview per index, all at the snapshot instant", async () => {
  const config = testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir(), csv: { enabled: false }, status: { enabled: false }, panels: { enabled: false } } });
  const [r] = await runEngine(config, 1);
  const lines = cycleLines(r!);
  const by = (m: string) => lines.filter((l) => l.startsWith(`${m},`));
  // Each distinct expiry once (a date under two tags is one set of contracts); every quoted leg of it a line.
  const distinct = new Map(r!.expiries.map((e) => [`${e.index} ${e.expiry}`, e]));
  expect(distinct.size).toBeLessThan(r!.expiries.length);
  expect(by("option_data")).toHaveLength([...distinct.values()].reduce((n, e) => n + e.legsCollected, 0));
  expect(by("options_expiry")).toHaveLength(distinct.size);
  expect(new Set(lines.map((l) => l.slice(0, l.indexOf(" ")))).size).toBe(lines.length);
  expect(by("options_overview")).toHaveLength(r!.indices.length);
  for (const l of lines) {
    expect(l.endsWith(` ${r!.at}`)).toBe(true);
    expect(l).not.toMatch(/NaN|Infinity|undefined/);
  }
  // Counts and masks are integers, PCRs floats; the expiry tag is a field, never a tag.
  const overview = by("options_overview")[0]!;
  expect(overview).toMatch(/expiries_expected=\d+i,/);
  expect(overview).toMatch(/pcr_this_week=[0-9.]+[,\s]/);
  expect(by("options_expiry")[0]).toMatch(/^options_expiry,expiry=\d{4}-\d\d-\d\d,index=\w+ .*tag="this_week"/);
});

test("v2 through the official client: token, org, bucket, precision=ms and gzip; a 200 (another server's success) is accepted, not dropped", async () => {
  const f = fake((_req, n) => (n === 2 ? new Response("ok", { status: 200 }) : null));
  const { sink } = sinkFor(f.url);
  await sink.open();
  const first = await sink.deliver(payload(100));
  const second = await sink.deliver(payload(100));
  expect(first).toMatchObject({ rows: 100, rejected: 0 });
  expect(second).toMatchObject({ rows: 100, rejected: 0 });
  const req = f.requests[0]!;
  expect(req.path).toBe("/api/v2/write");
  expect(Object.fromEntries(req.query)).toEqual({ org: "g6org", bucket: "g6", precision: "ms" });
  expect(req.headers.get("authorization")).toBe("Token secret-token");
  expect(req.headers.get("content-encoding")).toBe("gzip");
  expect(f.points.size).toBe(100);
});

test("v1 with fetch: /write?db=&rp=&precision=ms with Basic credentials", async () => {
  const f = fake();
  const { sink } = sinkFor(f.url, { api: "v1", database: "g6db", retentionPolicy: "autogen", token: null, username: "u", password: "p", gzip: false });
  await sink.open();
  expect(await sink.deliver(payload(3))).toMatchObject({ rows: 3 });
  const req = f.requests[0]!;
  expect(req.path).toBe("/write");
  expect(Object.fromEntries(req.query)).toEqual({ db: "g6db", precision: "ms", rp: "autogen" });
  expect(req.headers.get("authorization")).toBe(`Basic ${btoa("u:p")}`);
});

test("413: the batch is split in half until the server takes it; every line lands once", async () => {
  const f = fake((req) => (req.lines.length > 3 ? new Response('{"error":"Request Entity Too Large"}', { status: 413 }) : null));
  const { sink } = sinkFor(f.url, { batchLines: 10 });
  const report = await sink.deliver(payload(12));
  expect(report).toMatchObject({ rows: 12, rejected: 0 });
  expect(f.points.size).toBe(12);
  // 10 → 5 → 2+3, 5 → 2+3, then the last 2: the accepted requests hold 2 or 3 lines.
  expect(f.requests.filter((r) => r.lines.length <= 3).map((r) => r.lines.length)).toEqual([2, 3, 2, 3, 2]);
});

test("a partial write: the good lines are written, exactly the refused ones go to the dead-letter file with the server's message, counted", async () => {
  // Like InfluxDB: the good lines of a request land, the request answers 400.
  const f = fake((req) => {
    const bad = req.lines.filter((l) => l.includes('"bad"'));
    if (!bad.length) return null;
    for (const l of req.lines) if (!bad.includes(l)) f.points.set(pointKey(l), l);
    return Response.json({ error: `partial write: field type conflict: input field "price" on measurement "option_data" is type string, already exists as type float dropped=${bad.length}` }, { status: 400 });
  });
  const { sink, deadLetterFile } = sinkFor(f.url, { api: "v1" });
  const report = await sink.deliver(payload(16, [3, 11]));
  expect(report).toMatchObject({ rows: 14, rejected: 2, deadLettered: 2 });
  expect(f.points.size).toBe(14);
  const dead = readFileSync(deadLetterFile, "utf8").trim().split("\n");
  expect(dead).toEqual([
    '# 2026-11-20T05:00:00.000Z HTTP 400: partial write: field type conflict: input field "price" on measurement "option_data" is type string, already exists as type float dropped=1',
    'option_data,index=NIFTY,strike=24150,type=CE price="bad" 1700000000000',
    '# 2026-11-20T05:00:00.000Z HTTP 400: partial write: field type conflict: input field "price" on measurement "option_data" is type string, already exists as type float dropped=1',
    'option_data,index=NIFTY,strike=24550,type=CE price="bad" 1700000000000',
  ]);
});

test("a batch the server says it dropped whole goes to the dead-letter file at once", async () => {
  const f = fake(() => Response.json({ error: "partial write: field type conflict dropped=4" }, { status: 400 }));
  const { sink, deadLetterFile } = sinkFor(f.url, { api: "v1" });
  expect(await sink.deliver(payload(4))).toMatchObject({ rows: 0, rejected: 4 });
  expect(f.requests).toHaveLength(1);
  expect(readFileSync(deadLetterFile, "utf8").split("\n")).toHaveLength(6);
});

test("classification: 5xx and 429 retriable (Retry-After in seconds or as a date), 401/403 kept as permission, no answer within the deadline a timeout", async () => {
  let answer = () => new Response("overloaded", { status: 503 });
  const f = fake(() => answer());
  const { sink } = sinkFor(f.url, { api: "v1" });
  let err = await thrown(sink.deliver(payload(1)));
  expect(err).toMatchObject({ code: "unavailable", retriable: true, retryAfterMs: 0 });
  answer = () => new Response("slow down", { status: 429, headers: { "retry-after": "7" } });
  err = await thrown(sink.deliver(payload(1)));
  expect(err).toMatchObject({ code: "unavailable", retriable: true, retryAfterMs: 7000 });
  expect(err.message).toContain("HTTP 429 (slow down)");
  answer = () => new Response('{"error":"authorization failed"}', { status: 401, headers: { "content-type": "application/json" } });
  err = await thrown(sink.deliver(payload(1)));
  expect(err).toMatchObject({ code: "permission", retriable: true });
  expect(err.message).toContain("credentials refused (authorization failed)");
  expect(retryAfterMs("Fri, 20 Nov 2026 05:00:30 GMT", Date.UTC(2026, 10, 20, 5, 0, 0))).toBe(30_000);
  // Both transports: a server that never answers times out.
  const silent = startSilentServer();
  stops.push(() => silent.stop());
  for (const api of ["v1", "v2"] as const) {
    const t0 = performance.now();
    err = await thrown(sinkFor(silent.url, { api, timeoutMs: 300 }).sink.deliver(payload(1)));
    expect(err).toMatchObject({ code: "timeout", retriable: true });
    expect(performance.now() - t0).toBeLessThan(3000);
  }
  // The official client's v2 path reads Retry-After too (through its error's headers).
  answer = () => new Response("slow down", { status: 429, headers: { "retry-after": "3" } });
  err = await thrown(sinkFor(f.url).sink.deliver(payload(1)));
  expect(err).toMatchObject({ code: "unavailable", retryAfterMs: 3000 });
});

/** The sink under a running sink with a disk spool; backoff waits are recorded (and short). */
function underRunningSink(sink: SpoolableSink, spool: SinkSpool) {
  const totals = emptySinkTotals();
  const errors: string[] = [];
  const waits: number[] = [];
  const running = createRunningSink({
    sink,
    policy: { capacity: 4, whenFull: "block", flushIntervalMs: 0, retries: 3, retryBaseMs: 10, retryMaxMs: 20, stallMs: 0 },
    totals,
    spool,
    env: { now: () => performance.now(), sleep: (ms, signal) => (waits.push(ms), Bun.sleep(Math.min(ms, 20)).then(() => void signal)), random: () => 0.5 },
    wallNow: () => Date.now(),
    log: createConsola({ level: -999 }),
    onError: (m) => errors.push(m),
  });
  return { running, totals, errors, waits };
}

const cycleOf = (n: number) => ({ cycle: n }) as CycleResult;
const STATS = {} as EngineStats;

/** A sink that encodes cycle n as its own 2 lines. */
function encodingCycles(sink: SpoolableSink): SpoolableSink {
  return { ...sink, encode: (r) => payload(2 + r.cycle).slice(0), write: sink.write, deliver: sink.deliver };
}

test("under the running sink: 429 Retry-After is honoured before the next attempt; 5xx degrades (ready, nothing lost); 401 shows failing with an alert; all delivered in order once the server takes them", async () => {
  let mode: "429" | "503" | "401" | "ok" = "429";
  const f = fake(() => {
    if (mode === "429") return new Response("slow down", { status: 429, headers: { "retry-after": "2" } });
    if (mode === "503") return new Response("down", { status: 503 });
    if (mode === "401") return new Response('{"error":"authorization failed"}', { status: 401 });
    return null;
  });
  const { sink } = sinkFor(f.url, { api: "v1" });
  const spool = createDiskSpool({ dir: tempDir(), maxBytes: 1 << 20, whenFull: "drop_oldest" });
  const h = underRunningSink(encodingCycles(sink), spool);
  await h.running.open();
  await h.running.enqueue(cycleOf(1), STATS);
  await eventually("the 429's wait", () => h.waits.length > 0 && h.totals.degraded !== "");
  expect(h.waits[0]).toBe(2000);
  expect(h.totals.failing).toEqual([]);
  expect(h.totals.degraded).toContain("HTTP 429 (slow down); spooling (1 waiting)");
  mode = "503";
  await h.running.enqueue(cycleOf(2), STATS);
  await eventually("cycle 2 spooled behind the 503", () => h.totals.spooled === 2 && h.totals.degraded.includes("HTTP 503"));
  expect(h.totals).toMatchObject({ spooled: 2, dropped: 0, failing: [] });
  expect(h.totals.spoolBytes).toBe(spool.bytes);
  expect(h.totals.spoolOldestAt).not.toBeNull();
  expect(h.totals.degraded).toContain("HTTP 503 (down)");
  mode = "401";
  await h.running.enqueue(cycleOf(3), STATS);
  await eventually("the 401 shown as failing", () => h.totals.failing.length > 0);
  expect(h.totals.failing.map((x) => x.code)).toEqual(["permission"]);
  expect(h.errors.some((e) => e.includes("credentials refused"))).toBe(true);
  expect(h.totals.spooled).toBe(3);
  mode = "ok";
  await h.running.close(5000);
  expect(h.totals).toMatchObject({ spooled: 0, dropped: 0, failing: [], degraded: "", rows: 3 + 4 + 5, written: 3 });
  // Delivered oldest first: cycle 1's 3 lines, then cycle 2's 4, then cycle 3's 5.
  expect(f.requests.filter((r) => r.lines.length > 0).at(-3)!.lines).toHaveLength(3);
  expect(f.requests.at(-1)!.lines).toHaveLength(5);
  expect(f.points.size).toBe(5);
});

test("the dead-letter file is created only when a line is refused", async () => {
  const f = fake();
  const { sink, deadLetterFile } = sinkFor(f.url);
  await sink.open();
  await sink.deliver(payload(2));
  expect(existsSync(deadLetterFile)).toBe(false);
});
