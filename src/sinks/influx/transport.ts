/**
 * Sending one batch of lines to an InfluxDB server and reporting its answer as it is (status,
 * body, Retry-After), for sink.ts to classify once. Network failures and timeouts throw.
 *
 * - api "v2": `/api/v2/write?org=&bucket=&precision=ms` through the official client
 *   (`@influxdata/influxdb-client`): it carries the batch (gzip above 1 kB, its token header).
 *   Everything it would decide for us is switched off: `maxRetries: 0`, a fresh write API per
 *   batch sized to it (nothing is buffered, nothing sent in the background), and its
 *   `writeFailed` hook returns a Promise, which hands every failure back to us and stops its own
 *   retries. The client drops a batch answered 200 (it expects 204/201), retries only ≥ 429,
 *   gives up after 3 minutes, reads Retry-After as milliseconds and discards what is pending on
 *   close (DOMAIN §8): through the hook its answer is only reported, and G6 decides.
 * - api "v1": `/write?db=&rp=&precision=ms` with plain fetch (the client only speaks v2), with
 *   Basic authentication when a user name is set, gzip when enabled.
 */
import { HttpError, InfluxDB } from "@influxdata/influxdb-client";

export type InfluxTarget = {
  url: string;
  api: "v1" | "v2";
  org: string;
  bucket: string;
  database: string;
  retentionPolicy: string;
  token: string | null;
  username: string | null;
  password: string | null;
  timeoutMs: number;
  gzip: boolean;
};

/** The server's answer: status, body (the server's message), Retry-After header (raw). */
export type Answer = { status: number; body: string; retryAfter: string | null };

/** A network failure or a timeout (no answer): kept and retried. */
export class NoAnswer extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = "NoAnswer";
  }
}

export type Transport = { send(lines: readonly string[], signal?: AbortSignal): Promise<Answer> };

const header = (headers: unknown, name: string): string | null => {
  const v = (headers as Record<string, string | string[] | undefined> | undefined)?.[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
};

function v2Transport(t: InfluxTarget): Transport {
  const client = new InfluxDB({ url: t.url, token: t.token ?? undefined, timeout: t.timeoutMs });
  return {
    async send(lines) {
      let failure: unknown = null;
      const api = client.getWriteApi(t.org, t.bucket, "ms", {
        batchSize: lines.length + 1,
        maxBufferLines: lines.length + 1,
        flushInterval: 0,
        maxRetries: 0,
        gzipThreshold: t.gzip ? 1000 : Number.MAX_SAFE_INTEGER,
        writeFailed: (err: Error) => {
          failure = err;
          return Promise.resolve();
        },
      });
      api.writeRecords(lines as string[]);
      await api.flush();
      if (failure === null) return { status: 204, body: "", retryAfter: null };
      if (failure instanceof HttpError) return { status: failure.statusCode, body: failure.body ?? failure.message, retryAfter: header(failure.headers, "retry-after") };
      const e = failure as Error;
      throw new NoAnswer(e.message || e.name, e.name === "RequestTimedOutError");
    },
  };
}

/** A batch as bytes (line protocol, newline-terminated lines), posted with fetch to either API. */
export type BytesTransport = { send(body: Uint8Array, signal?: AbortSignal): Promise<Answer> };

/**
 * Posts bytes as they are: `/write` (v1, Basic credentials) or `/api/v2/write` (v2, the token),
 * gzip when enabled. g6 ingest sends its large payloads this way, cut at line ends, without
 * turning them into strings: the client's per-line handling cost 2–3 times the wall time.
 */
export function createBytesTransport(t: InfluxTarget): BytesTransport {
  const base = t.url.replace(/\/+$/, "");
  const headers: Record<string, string> = { "content-type": "text/plain; charset=utf-8" };
  let url: string;
  if (t.api === "v1") {
    const query = new URLSearchParams({ db: t.database, precision: "ms" });
    if (t.retentionPolicy) query.set("rp", t.retentionPolicy);
    url = `${base}/write?${query}`;
    if (t.username !== null) headers.authorization = `Basic ${Buffer.from(`${t.username}:${t.password ?? ""}`).toString("base64")}`;
  } else {
    url = `${base}/api/v2/write?${new URLSearchParams({ org: t.org, bucket: t.bucket, precision: "ms" })}`;
    if (t.token !== null) headers.authorization = `Token ${t.token}`;
  }
  if (t.gzip) headers["content-encoding"] = "gzip";
  return {
    async send(bytes, signal) {
      const body = t.gzip ? Bun.gzipSync(bytes as Uint8Array<ArrayBuffer>) : bytes;
      const timeout = AbortSignal.timeout(t.timeoutMs);
      try {
        const res = await fetch(url, { method: "POST", headers, body, signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
        return { status: res.status, body: await res.text(), retryAfter: res.headers.get("retry-after") };
      } catch (err) {
        if (timeout.aborted) throw new NoAnswer(`no answer within ${t.timeoutMs} ms`, true);
        throw new NoAnswer((err as Error).message, false);
      }
    },
  };
}

function v1Transport(t: InfluxTarget): Transport {
  const bytes = createBytesTransport(t);
  const encoder = new TextEncoder();
  return { send: (lines, signal) => bytes.send(encoder.encode(lines.join("\n")), signal) };
}

export function createTransport(t: InfluxTarget): Transport {
  return t.api === "v2" ? v2Transport(t) : v1Transport(t);
}
