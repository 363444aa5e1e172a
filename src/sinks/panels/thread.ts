/**
 * The panels sink's writer thread: a Bun Worker (workers/panels-writer.ts) that runs the
 * generation writing (write.ts) for one sink. Started at the first request, not before. Writes
 * are done in the order sent (fsyncs run beside them). The thread keeps the process alive only
 * while a request is waiting. If it dies (an uncaught error, an exit, a terminate), every request
 * waiting on it is rejected with a WriterThreadGone, and the next request starts a fresh thread.
 * After close a request still gets an answer, from a thread that ends as soon as it is idle.
 */
import type { WriterReply, WriterRequest } from "./write.ts";

const WRITER = new URL("../../../workers/panels-writer.ts", import.meta.url);

/** A request without its id (the thread numbers them). */
export type WriterCall = WriterRequest extends infer R ? (R extends WriterRequest ? Omit<R, "id"> : never) : never;

export type WriterThread = {
  /** Sends `call` to the thread; resolves with its reply, rejects if the thread dies first. */
  request(call: WriterCall): Promise<WriterReply>;
  /** Waits for the requests under way, then terminates the thread and waits until it is gone. */
  close(): Promise<void>;
};

/** The thread died before it answered a request. */
export class WriterThreadGone extends Error {}

type Live = { worker: Worker; closed: Promise<void> };

/** `onStart`: called with each thread started (tests terminate it to play a crash). */
export function createWriterThread(opts: { url?: URL; onStart?: (worker: Worker) => void } = {}): WriterThread {
  let live: Live | null = null;
  /** A thread ended by its last reply after close began (close waits for its close event). */
  let lastEnded: Live | null = null;
  let seq = 0;
  let shut = false;
  const waiting = new Map<number, { resolve: (reply: WriterReply) => void; reject: (err: Error) => void }>();

  const died = (from: Live, why: string) => {
    if (live !== from) return;
    live = null;
    from.worker.terminate();
    const err = new WriterThreadGone(`the panels writer thread ${why} before it answered`);
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };

  const start = (): Live => {
    const worker = new Worker(opts.url ?? WRITER);
    const closed = new Promise<void>((resolve) => worker.addEventListener("close", () => resolve(), { once: true }));
    const self: Live = { worker, closed };
    worker.addEventListener("message", (e: MessageEvent<WriterReply>) => {
      const w = waiting.get(e.data.id);
      if (!w) return;
      waiting.delete(e.data.id);
      if (waiting.size === 0) {
        worker.unref();
        if (shut && live === self) {
          live = null;
          // close() waits for this one's close event too.
          lastEnded = self;
          worker.terminate();
        }
      }
      w.resolve(e.data);
    });
    worker.addEventListener("error", (e: ErrorEvent) => {
      e.preventDefault();
      died(self, `failed (${e.message})`);
    });
    worker.addEventListener("close", (e: Event) => died(self, `exited (code ${(e as Event & { code?: number }).code ?? "?"})`));
    opts.onStart?.(worker);
    return self;
  };

  /** Requests not yet answered, to wait for at close. */
  const underWay = new Set<Promise<unknown>>();

  return {
    request(call) {
      live ??= start();
      const { worker } = live;
      const id = ++seq;
      const reply = new Promise<WriterReply>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        worker.ref();
        try {
          worker.postMessage({ ...call, id });
        } catch (err) {
          // Not sent (a value that cannot be cloned): nothing waits on the thread for it.
          waiting.delete(id);
          if (waiting.size === 0) worker.unref();
          throw err;
        }
      });
      const settled: Promise<unknown> = reply.then(
        () => underWay.delete(settled),
        () => underWay.delete(settled),
      );
      underWay.add(settled);
      return reply;
    },
    async close() {
      shut = true;
      while (underWay.size) await Promise.all(underWay);
      const gone = live ?? lastEnded;
      live = null;
      lastEnded = null;
      if (!gone) return;
      gone.worker.terminate();
      await gone.closed;
    },
  };
}
