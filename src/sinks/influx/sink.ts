/**
 * The InfluxDB sink: a spoolable sink (src/contracts/sink.ts). `encode` turns a cycle into its
 * line protocol (lines.ts); `deliver` sends a payload in batches of `batchLines` and classifies
 * every answer once:
 *
 * - 2xx (204; 200 and 201 from other servers): accepted.
 * - 5xx, 429, no answer (network error, timeout): a retriable `SinkError` (code unavailable or
 *   timeout, with the server's Retry-After in seconds or as a date): the running sink keeps the
 *   payload in the spool and retries for as long as it takes; the sink is degraded meanwhile.
 * - 401, 403: retriable with code permission: kept (credentials are fixed by a person), the sink
 *   shown failing and alerted. 404 (no such database or bucket): the same, code rejected.
 * - 413: the batch is split in half and each half sent; a single line too large is refused.
 * - any other 4xx (400, 422: a type conflict, a bad line): a partial write: the good lines are
 *   written, the refused ones go to the dead-letter file after a comment with the server's
 *   message, and are counted (`rejected`, `deadLettered`). When the server says all lines were
 *   dropped (InfluxDB's "dropped=N"), the batch goes there whole; otherwise it is halved until
 *   each refused line is found (good lines sent again are overwritten with themselves).
 *
 * A payload is delivered whole or not at all: when a later batch of it fails retriably, the
 * payload stays spooled and its earlier batches are sent again next time (an upsert).
 */
import { appendFile, mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { errorMessage, type SinkReport, SinkError, type SpoolableSink, type SinkQueuePolicy } from "../../contracts/index.ts";
import { retryAfterMs } from "../retry-after.ts";
import { encodeCycle } from "./lines.ts";
import { type Answer, type BytesTransport, createBytesTransport, createTransport, NoAnswer, type InfluxTarget, type Transport } from "./transport.ts";

export type InfluxSinkOptions = InfluxTarget & {
  batchLines: number;
  deadLetterFile: string;
  /**
   * Batches of one payload in flight at once (default 1: one after the other). g6 ingest sends
   * its large payloads 3 at a time; a payload still counts as delivered only when all are.
   */
  concurrency?: number;
  /**
   * Send batches as the payload's bytes (createBytesTransport: fetch, both APIs) rather than as
   * lines through the transport: g6 ingest's large payloads. Refusals are still found line by line.
   */
  bytes?: boolean;
  /** Tests may put a bytes transport of their own. */
  bytesTransport?: BytesTransport;
  /** Wall clock, epoch ms (dead-letter comments). */
  now?: () => number;
  /** Tests may put a transport of their own. */
  transport?: Transport;
};

/** The server's message from an error body (InfluxDB: {"error": …} in 1.x, {"message": …} in 2.x). */
export function serverMessage(body: string): string {
  try {
    const doc = JSON.parse(body) as { error?: unknown; message?: unknown };
    const m = doc.error ?? doc.message;
    if (typeof m === "string") return m;
  } catch {
    // not JSON: the body itself
  }
  return body.trim().replace(/\s+/g, " ").slice(0, 500);
}

const lineBytes = (lines: readonly string[]) => lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);
/**
 * The payload cut after every `per`-th newline (views, no copies), and its line count. A plain
 * loop in a function of its own: TypedArray indexOf per line cost 5 µs a call, and the same loop
 * inside the async deliver ran unoptimised.
 */
export function cutLines(payload: Uint8Array, per: number): { batches: Uint8Array[]; lines: number } {
  const batches: Uint8Array[] = [];
  let lines = 0;
  let start = 0;
  let n = 0;
  for (let i = 0; i < payload.length; i++) {
    if (payload[i] !== 10) continue;
    lines++;
    if (++n === per) {
      batches.push(payload.subarray(start, i + 1));
      start = i + 1;
      n = 0;
    }
  }
  if (start < payload.length) {
    batches.push(payload.subarray(start));
    if (payload[payload.length - 1] !== 10) lines++;
  }
  return { batches, lines };
}
const linesOf = (payload: Uint8Array) => new TextDecoder().decode(payload).split("\n").filter((l) => l.length > 0);

export function createInfluxSink(opts: InfluxSinkOptions): SpoolableSink {
  const name = "influx";
  const transport = opts.transport ?? createTransport(opts);
  const bytesTransport = opts.bytes ? (opts.bytesTransport ?? createBytesTransport(opts)) : null;
  const now = opts.now ?? (() => Date.now());
  const where = opts.api === "v2" ? `${opts.url} bucket ${opts.bucket}` : `${opts.url} database ${opts.database}`;
  // Four cycles may wait (they are spooled within milliseconds); block, so that a full spool under
  // pause_collection stops collection. No flush timer: nothing is buffered.
  const queue: Partial<SinkQueuePolicy> = { capacity: 4, whenFull: "block", flushIntervalMs: 0 };

  async function deadLetter(lines: readonly string[], status: number, message: string): Promise<void> {
    const comment = `# ${new Date(now()).toISOString()} HTTP ${status}: ${message.replace(/\s+/g, " ")}\n`;
    try {
      await appendFile(opts.deadLetterFile, comment + lines.join("\n") + "\n");
    } catch (err) {
      // Refused lines must never vanish silently: if they cannot be set aside, the payload stays spooled.
      throw new SinkError(name, `cannot write the dead-letter file ${opts.deadLetterFile}: ${errorMessage(err)}`, { code: "io", retriable: true });
    }
  }

  /** The server's answer to `send`; no answer is a retriable SinkError. */
  async function answerOf(send: () => Promise<Answer>): Promise<Answer> {
    try {
      return await send();
    } catch (err) {
      const timedOut = err instanceof NoAnswer && err.timedOut;
      throw new SinkError(name, `${where}: ${timedOut ? `no answer within ${opts.timeoutMs} ms` : `no answer (${errorMessage(err)})`}`, {
        code: timedOut ? "timeout" : "unavailable",
        retriable: true,
      });
    }
  }

  /** Throws the retriable SinkError of an answer that refuses the whole batch for now (5xx, 429, 401, 403, 404). */
  function throwIfRetriable(answer: Answer): void {
    const { status } = answer;
    const message = serverMessage(answer.body);
    if (status >= 500 || status === 429) {
      throw new SinkError(name, `${where}: HTTP ${status}${message ? ` (${message})` : ""}`, { code: "unavailable", retriable: true, retryAfterMs: retryAfterMs(answer.retryAfter, now()) });
    }
    if (status === 401 || status === 403) {
      throw new SinkError(name, `${where}: HTTP ${status}, credentials refused (${message}); the data waits in the spool until they are fixed`, { code: "permission", retriable: true });
    }
    if (status === 404) {
      throw new SinkError(name, `${where}: HTTP 404 (${message}); the data waits in the spool until it exists`, { code: "rejected", retriable: true });
    }
  }

  /** Sends `lines`; resolves with the lines refused for good (and dead-lettered). */
  async function sendBatch(lines: readonly string[], signal?: AbortSignal): Promise<readonly string[]> {
    const answer = await answerOf(() => transport.send(lines, signal));
    const { status } = answer;
    if (status >= 200 && status < 300) return [];
    throwIfRetriable(answer);
    const message = serverMessage(answer.body);
    if (status === 413 && lines.length > 1) {
      const half = lines.length >> 1;
      return [...(await sendBatch(lines.slice(0, half), signal)), ...(await sendBatch(lines.slice(half), signal))];
    }
    // A partial write (or a single line too large): find the refused lines, set them aside.
    const dropped = /dropped=(\d+)/.exec(message);
    if (lines.length === 1 || (dropped && Number(dropped[1]) >= lines.length)) {
      await deadLetter(lines, status, message);
      return lines;
    }
    const half = lines.length >> 1;
    return [...(await sendBatch(lines.slice(0, half), signal)), ...(await sendBatch(lines.slice(half), signal))];
  }

  /**
   * Sends one batch of the payload as its bytes; an answer other than success or a retriable
   * refusal (413, a partial write) sends its lines again one by one through sendBatch, which
   * finds the refused ones.
   */
  async function sendBytes(bytes: Uint8Array, signal?: AbortSignal): Promise<readonly string[]> {
    const answer = await answerOf(() => bytesTransport!.send(bytes, signal));
    if (answer.status >= 200 && answer.status < 300) return [];
    throwIfRetriable(answer);
    return sendBatch(linesOf(bytes), signal);
  }

  async function deliver(payload: Uint8Array, signal?: AbortSignal): Promise<SinkReport> {
    // Batches: line ranges, or (bytes) byte ranges cut after every batchLines-th newline.
    const batches: { lines: readonly string[] | null; bytes: Uint8Array | null }[] = [];
    let lineCount = 0;
    if (bytesTransport) {
      const cut = cutLines(payload, opts.batchLines);
      lineCount = cut.lines;
      for (const bytes of cut.batches) batches.push({ lines: null, bytes });
    } else {
      const lines = linesOf(payload);
      lineCount = lines.length;
      for (let i = 0; i < lines.length; i += opts.batchLines) batches.push({ lines: lines.slice(i, i + opts.batchLines), bytes: null });
    }
    let refused = 0;
    let refusedBytes = 0;
    let next = 0;
    // The first failure ends the payload's delivery (batches in flight finish); it stays spooled.
    let failure: { err: unknown } | null = null;
    const lane = async () => {
      while (next < batches.length && failure === null) {
        const b = batches[next++]!;
        try {
          const out = b.bytes ? await sendBytes(b.bytes, signal) : await sendBatch(b.lines!, signal);
          refused += out.length;
          refusedBytes += lineBytes(out);
        } catch (err) {
          failure ??= { err };
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 1) }, lane));
    if (failure) throw (failure as { err: unknown }).err;
    // Bytes are those of the lines accepted (each with its newline).
    return { rows: lineCount - refused, bytes: payload.length - refusedBytes, duplicatesSkipped: 0, rejected: refused, deadLettered: refused };
  }

  return {
    name,
    queue,
    async open() {
      await mkdir(dirname(opts.deadLetterFile), { recursive: true });
    },
    encode: (result) => encodeCycle(result),
    deliver,
    write: (result) => deliver(encodeCycle(result)),
    // Nothing is buffered: what was not accepted is in the spool.
    flush: async () => {},
    close: async () => {},
  };
}
