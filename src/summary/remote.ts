/**
 * Where `g6 summary` gets documents: the engine's server (its /events stream, and /status on
 * each cycle event) and its status file. Every request is bounded: the response headers must
 * come within `connectMs`, and then each read of the body within `readMs` (the /events stream
 * sends a heartbeat comment every `server.heartbeat_seconds`, so a silent stream is a dead one).
 * Nothing here throws for a server that is gone or a file that is missing: a live feed ends
 * with the reason, a file read says what it found.
 */
import { readFileSync, statSync } from "node:fs";
import { errorMessage } from "../contracts/index.ts";
import { canonicalDir } from "../server/server.ts";
import { idleReason, isStatusDocument, type ClientDocument } from "./client.ts";

export type Timeouts = {
  /** From sending a request to its response headers, ms. */
  connectMs: number;
  /** Longest wait for the next bytes of a response body, ms. */
  readMs: number;
};

/** A request that failed for a reason people can act on. */
class RemoteFailure extends Error {}

/** "connection refused", "ECONNRESET", ... from a fetch error. */
function reasonOf(err: unknown): string {
  if (err instanceof RemoteFailure) return err.message;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ECONNRESET") return "connection reset";
  if (typeof code === "string" && code) return code;
  return errorMessage(err);
}

/** The part of a response body's reader used here (bytes, chunk by chunk). */
type BodyReader = { read(): Promise<{ done: boolean; value?: Uint8Array }> };
type Connection = { res: Response; reader: BodyReader | null; cancel: () => void };

/** GET `url`; throws RemoteFailure when no response headers come within `connectMs`. */
async function connect(url: string, headers: Record<string, string>, signal: AbortSignal, t: Timeouts): Promise<Connection> {
  const own = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    own.abort();
  }, t.connectMs);
  try {
    const res = await fetch(url, { headers, signal: AbortSignal.any([signal, own.signal]) });
    return { res, reader: res.body ? res.body.getReader() : null, cancel: () => own.abort() };
  } catch (err) {
    throw timedOut ? new RemoteFailure(`no response within ${t.connectMs} ms`) : err;
  } finally {
    clearTimeout(timer);
  }
}

/** The next chunk of a body (null at its end); throws RemoteFailure after `readMs` without bytes. */
async function readChunk(c: Connection, readMs: number): Promise<Uint8Array | null> {
  if (!c.reader) return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Settle first: the cancel makes the pending read fail too, with a less useful reason.
      reject(new RemoteFailure(`no data for ${readMs} ms`));
      c.cancel();
    }, readMs);
  });
  try {
    const r = await Promise.race([c.reader.read(), silent]);
    return r.done || !r.value ? null : r.value;
  } finally {
    clearTimeout(timer);
  }
}

/** A whole (small) body as text, each read bounded by `readMs`. */
async function readAll(c: Connection, readMs: number): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  for (let chunk = await readChunk(c, readMs); chunk; chunk = await readChunk(c, readMs)) text += decoder.decode(chunk, { stream: true });
  return text + decoder.decode();
}

export type LiveOptions = {
  /** The engine's base URL, e.g. http://127.0.0.1:9108. */
  baseUrl: string;
  token: string | null;
  /** The data directory asked for: a server writing another one is not used. */
  dataDir: string;
  timeouts: Timeouts;
  signal: AbortSignal;
  /** End (with the reason) when the server has no finished cycle to show yet (`--once`). */
  requireData: boolean;
};

/** Why the server's `data_dir` rules it out, or null when it is the one asked for. */
function dataDirMismatch(reported: unknown, o: LiveOptions): string | null {
  const wanted = canonicalDir(o.dataDir);
  if (typeof reported !== "string") return `the server does not say which data directory it writes (wanted ${wanted})`;
  return reported === wanted ? null : `the engine there writes ${reported}, not ${wanted}`;
}

/** One SSE event block's type and data ("" when it has no data lines). */
function parseEvent(block: string): { event: string; data: string } {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
  }
  return { event, data: data.join("\n") };
}

/**
 * Status documents from the engine's server, in order, while it is there: the `snapshot`
 * event's document, then on each `cycle` event the document of /status. The server must
 * report `dataDir` as its data directory. Returns why the feed ended (server gone, timed out,
 * another engine, stopped; without the URL); never throws for the server's failures.
 */
export async function* liveDocuments(o: LiveOptions): AsyncGenerator<ClientDocument, string> {
  const auth: Record<string, string> = o.token ? { authorization: `Bearer ${o.token}` } : {};
  let stream: Connection;
  try {
    stream = await connect(`${o.baseUrl}/events`, { accept: "text/event-stream", ...auth }, o.signal, o.timeouts);
  } catch (err) {
    return o.signal.aborted ? "stopped" : reasonOf(err);
  }
  const { res } = stream;
  if (!res.ok || !(res.headers.get("content-type") ?? "").includes("text/event-stream")) {
    stream.cancel();
    return res.ok ? "/events is not an event stream" : `/events answered HTTP ${res.status}${res.status === 401 ? " (check server.token)" : ""}`;
  }
  const status = async (): Promise<unknown> => {
    const c = await connect(`${o.baseUrl}/status`, auth, o.signal, o.timeouts);
    const text = await readAll(c, o.timeouts.readMs);
    return c.res.ok ? JSON.parse(text) : null;
  };
  const decoder = new TextDecoder();
  let buffer = "";
  let checked = false;
  try {
    for (let chunk = await readChunk(stream, o.timeouts.readMs); chunk; chunk = await readChunk(stream, o.timeouts.readMs)) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
        const { event, data } = parseEvent(buffer.slice(0, end));
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
        if (!data || (event !== "snapshot" && event !== "cycle")) continue;
        const doc: unknown = event === "snapshot" ? JSON.parse(data) : await status();
        if (typeof doc !== "object" || doc === null) continue;
        const mismatch = !checked || "data_dir" in doc ? dataDirMismatch((doc as { data_dir?: unknown }).data_dir, o) : null;
        if (mismatch) return mismatch;
        checked = true;
        if (isStatusDocument(doc)) yield doc;
        else if (o.requireData) return idleReason(doc) ?? "the engine has not finished a cycle yet";
      }
    }
    return o.signal.aborted ? "stopped" : "the server closed the stream";
  } catch (err) {
    return o.signal.aborted ? "stopped" : err instanceof SyntaxError ? "the server sent a document that is not JSON" : reasonOf(err);
  } finally {
    stream.cancel();
  }
}

export type FileRead =
  | { kind: "doc"; doc: ClientDocument; mtimeMs: number; stamp: string }
  | { kind: "unchanged" }
  | { kind: "missing"; reason: string };

/**
 * The status file's document when it changed since `lastStamp` (size, mtime, inode). A file
 * that is not there, cannot be read or does not hold a status document is "missing" with the
 * reason; the engine replaces it atomically, so a torn read does not happen.
 */
export function readStatusFile(file: string, lastStamp: string): FileRead {
  try {
    const st = statSync(file);
    const stamp = `${st.mtimeMs}|${st.size}|${st.ino}`;
    if (stamp === lastStamp) return { kind: "unchanged" };
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
    if (!isStatusDocument(parsed)) return { kind: "missing", reason: idleReason(parsed) ?? `${file} is not a g6 status document` };
    return { kind: "doc", doc: parsed, mtimeMs: st.mtimeMs, stamp };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return { kind: "missing", reason: `${file} does not exist` };
    return { kind: "missing", reason: `cannot read ${file}: ${err instanceof SyntaxError ? "not JSON" : (code ?? String(err))}` };
  }
}
