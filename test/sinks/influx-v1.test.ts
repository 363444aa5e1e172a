/**
 * The InfluxDB sink's v1 path against a real InfluxDB 1.x (Debian's influxdb, a TSM engine) on
 * 127.0.0.1: a real cycle lands with the Python G6's field types; an integer `oi` into the float
 * field is a field-type conflict, a partial write whose good lines land and whose bad lines
 * reach the dead-letter file with the server's message; a repeated point is an upsert.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cycleLines } from "../../src/sinks/influx/lines.ts";
import { createInfluxSink } from "../../src/sinks/influx/sink.ts";
import { runEngine, tempDir, testConfig } from "../helpers/engine.ts";
import { startInfluxDb1 } from "../helpers/influx-servers.ts";
import { influxSinkOptions } from "../fakes/influx.ts";

let server: Awaited<ReturnType<typeof startInfluxDb1>>;
beforeAll(async () => {
  server = await startInfluxDb1(tempDir("g6-influxd-"));
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

function sink(database: string) {
  const dir = tempDir();
  const deadLetterFile = join(dir, "dead.lp");
  const s = createInfluxSink(influxSinkOptions(server.url, deadLetterFile, { api: "v1", org: "", bucket: "", database, token: null, timeoutMs: 10_000, gzip: true }));
  return { sink: s, deadLetterFile };
}

const enc = (s: string) => new TextEncoder().encode(s);
const series = (res: any) => res.results[0].series ?? [];

test("a real cycle lands: every option line once, price/oi/volume float fields, the snapshot instant in ms", async () => {
  await server.query("CREATE DATABASE cycle1");
  const config = testConfig({ pool: { size: 0 }, provider: { sim: { start: "2026-11-20T10:00" } }, storage: { data_dir: tempDir(), csv: { enabled: false }, status: { enabled: false }, panels: { enabled: false } } });
  const [r] = await runEngine(config, 1);
  const { sink: s } = sink("cycle1");
  await s.open();
  const report = await s.write(r!, {} as never);
  expect(report.rejected).toBe(0);
  const lines = cycleLines(r!);
  expect(report.rows).toBe(lines.length);
  const count = async (q: string) => series(await server.query(q, "cycle1"))[0].values[0][1];
  expect(await count("SELECT count(price) FROM option_data")).toBe(lines.filter((l) => l.startsWith("option_data,") && l.includes(" price=")).length);
  expect(await count("SELECT count(status) FROM options_expiry")).toBe(lines.filter((l) => l.startsWith("options_expiry,")).length);
  expect(await count("SELECT count(expiries_expected) FROM options_overview")).toBe(r!.indices.length);
  const keys = series(await server.query("SHOW FIELD KEYS FROM option_data", "cycle1"))[0].values as [string, string][];
  const types = Object.fromEntries(keys);
  for (const f of ["price", "oi", "volume", "iv", "delta", "gamma", "theta", "vega", "rho"]) expect(types[f]).toBe("float");
  const times = series(await server.query("SELECT price FROM option_data LIMIT 1", "cycle1"))[0].values;
  expect(times[0][0]).toBe(r!.at);
});

test("a field-type conflict is a partial write: good lines land, the bad ones go to the dead-letter file with the server's message; a repeated point is an upsert", async () => {
  await server.query("CREATE DATABASE conflict");
  const { sink: s, deadLetterFile } = sink("conflict");
  await s.open();
  // The Python G6 wrote oi as a float: the bucket has it so.
  expect(await s.deliver(enc("option_data,index=NIFTY,strike=24000,type=CE oi=1500,price=101.5 1795150800000\n"))).toMatchObject({ rows: 1, rejected: 0 });
  const lines = [
    "option_data,index=NIFTY,strike=24050,type=CE oi=1200,price=80.25 1795150800000",
    "option_data,index=NIFTY,strike=24100,type=CE oi=900i,price=60 1795150800000",
    "option_data,index=NIFTY,strike=24150,type=CE oi=700,price=45 1795150800000",
    "option_data,index=NIFTY,strike=24200,type=CE oi=500i,price=30 1795150800000",
  ];
  const report = await s.deliver(enc(lines.join("\n") + "\n"));
  expect(report).toMatchObject({ rows: 2, rejected: 2, deadLettered: 2 });
  const dead = readFileSync(deadLetterFile, "utf8").trim().split("\n");
  expect(dead.filter((l) => !l.startsWith("#"))).toEqual([lines[1], lines[3]]);
  for (const c of dead.filter((l) => l.startsWith("#"))) expect(c).toMatch(/HTTP 400: partial write: field type conflict: input field "oi" on measurement "option_data" is type integer, already exists as type float dropped=1/);
  const rows = series(await server.query("SELECT oi, price FROM option_data GROUP BY strike", "conflict"));
  expect(rows.map((x: any) => [x.tags.strike, x.values.map((v: any[]) => [v[1], v[2]])])).toEqual([
    ["24000", [[1500, 101.5]]],
    ["24050", [[1200, 80.25]]],
    ["24150", [[700, 45]]],
  ]);
  // The same point again with a new value: overwritten, not added.
  await s.deliver(enc("option_data,index=NIFTY,strike=24000,type=CE oi=1600,price=102 1795150800000\n"));
  const again = series(await server.query("SELECT oi, price FROM option_data WHERE strike = '24000'", "conflict"))[0].values;
  expect(again).toEqual([[1795150800000, 1600, 102]]);
});

test("a database that does not exist: kept (retriable), code rejected, the server's message named", async () => {
  const { sink: s } = sink("nosuchdb");
  const err = await s.deliver(enc("option_data,index=NIFTY price=1 1795150800000\n")).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: "rejected", retriable: true });
  expect((err as Error).message).toContain("HTTP 404 (database not found: \"nosuchdb\")");
});
