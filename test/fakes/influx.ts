/**
 * A loopback InfluxDB for the answers no real server gives on demand (413, 429 with
 * Retry-After, 401, a 200): it speaks both write paths (/api/v2/write and /write), reads gzip
 * bodies, stores points as InfluxDB does (a repeated measurement, tag set and time overwrites:
 * an upsert) and answers what the test scripts, request by request. Also a server that accepts
 * connections and never answers.
 */
import { gunzipSync } from "node:zlib";
import type { InfluxSinkOptions } from "../../src/sinks/influx/sink.ts";

export type FakeRequest = { path: string; query: URLSearchParams; headers: Headers; lines: string[] };
/** The test's answer to a request; null: store the lines and answer 204. */
export type Script = (req: FakeRequest, n: number) => globalThis.Response | null;

export type FakeInflux = {
  url: string;
  requests: FakeRequest[];
  /** Stored points: series key and time → the line. */
  points: Map<string, string>;
  /** Bytes of the stored lines, each with its newline. */
  bytes(): number;
  script: Script;
  stop(): void;
};

/** The key InfluxDB overwrites by: measurement and tags, and the timestamp. */
export function pointKey(line: string): string {
  return `${line.slice(0, line.indexOf(" "))} ${line.slice(line.lastIndexOf(" ") + 1)}`;
}

export function startFakeInflux(script: Script = () => null): FakeInflux {
  const requests: FakeRequest[] = [];
  const points = new Map<string, string>();
  const fake: FakeInflux = {
    url: "",
    requests,
    points,
    bytes: () => [...points.values()].reduce((n, l) => n + Buffer.byteLength(l) + 1, 0),
    script,
    stop: () => server.stop(true),
  };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      const url = new URL(req.url);
      if (url.pathname !== "/api/v2/write" && url.pathname !== "/write") return new Response("not found", { status: 404 });
      let body = new Uint8Array(await req.arrayBuffer());
      if (req.headers.get("content-encoding") === "gzip") body = new Uint8Array(gunzipSync(body));
      const lines = new TextDecoder()
        .decode(body)
        .split("\n")
        .filter((l) => l);
      const r: FakeRequest = { path: url.pathname, query: url.searchParams, headers: req.headers, lines };
      requests.push(r);
      const answer = fake.script(r, requests.length);
      if (answer) return answer;
      for (const l of lines) points.set(pointKey(l), l);
      return new Response(null, { status: 204 });
    },
  });
  fake.url = `http://127.0.0.1:${server.port}`;
  return fake;
}

/** A server that accepts connections, reads, and never answers. */
export function startSilentServer(): { url: string; stop(): void } {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  return { url: `http://127.0.0.1:${listener.port}`, stop: () => listener.stop(true) };
}

/**
 * Options of an InfluxDB sink writing to `url` (v2, token "secret-token", org "g6org", bucket
 * "g6", database "g6" for v1), dead-lettering to `deadLetterFile`; `over` replaces any of them.
 */
export function influxSinkOptions(url: string, deadLetterFile: string, over: Partial<InfluxSinkOptions> = {}): InfluxSinkOptions {
  return {
    url,
    api: "v2",
    org: "g6org",
    bucket: "g6",
    database: "g6",
    retentionPolicy: "",
    token: "secret-token",
    username: null,
    password: null,
    timeoutMs: 2000,
    gzip: false,
    batchLines: 5000,
    deadLetterFile,
    ...over,
  };
}
