/**
 * The alert webhook sink (`alerts.webhook`): POSTs alert events as JSON to a receiver. It is run
 * like every sink, by a running sink (queue, retries with backoff, Retry-After, stall and fault
 * reporting), but what it sends is not the cycle: it keeps the run's alert events (handed over by
 * the alert stream) until the receiver took them, and each write sends every event kept up to the
 * written cycle in one request, `{"alerts": [...]}`, oldest first. So a write that failed after
 * its retries, or a cycle dropped from its queue, loses nothing: the next write sends its events
 * too. At most `maxPending` events wait; beyond it the oldest are dropped (counted in `dropped`).
 *
 * Answers: 2xx delivered. 408, 429, 5xx or no answer: a retriable SinkError (the events stay).
 * Any other status: the receiver refuses these events for good; they are dropped (counted as
 * rejected) and the write fails without retry. Errors name the receiver by origin only (a URL's
 * path or query may carry a token).
 */
import { errorMessage, type Sink, SinkError } from "../../contracts/index.ts";
import type { Alert, AlertSource } from "../../alerts/index.ts";
import { retryAfterMs } from "../retry-after.ts";

export type WebhookSinkOptions = {
  url: string;
  timeoutMs: number;
  maxPending: number;
  alerts: AlertSource;
  /** Wall clock, epoch ms (Retry-After dates). */
  now: () => number;
  fetch?: typeof fetch;
};

export type WebhookSink = Sink & {
  /** Events waiting for the receiver, and events dropped because more than maxPending waited. */
  readonly pending: number;
  readonly droppedEvents: number;
};

export function createWebhookSink(opts: WebhookSinkOptions): WebhookSink {
  const name = "webhook";
  const doFetch = opts.fetch ?? fetch;
  const where = new URL(opts.url).origin;
  const pending: Alert[] = [];
  let droppedEvents = 0;
  let unsubscribe: (() => void) | null = opts.alerts.subscribe((alerts) => {
    pending.push(...alerts);
    if (pending.length > opts.maxPending) droppedEvents += pending.splice(0, pending.length - opts.maxPending).length;
  });
  return {
    name,
    // Every write sends all events kept so far: a newer cycle supersedes the one waiting.
    queue: { capacity: 2, whenFull: "drop_oldest", flushIntervalMs: 0 },
    get pending() {
      return pending.length;
    },
    get droppedEvents() {
      return droppedEvents;
    },
    async open() {},
    async write(result) {
      let n = 0;
      while (n < pending.length && pending[n]!.cycle <= result.cycle) n++;
      if (n === 0) return { rows: 0, bytes: 0, duplicatesSkipped: 0 };
      const batch = pending.slice(0, n);
      const body = JSON.stringify({ alerts: batch });
      let res: Response;
      try {
        res = await doFetch(opts.url, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(opts.timeoutMs) });
        await res.arrayBuffer();
      } catch (err) {
        const timedOut = err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError");
        throw new SinkError(name, `${where}: ${timedOut ? `no answer within ${opts.timeoutMs} ms` : `no answer (${errorMessage(err)})`}`, { code: timedOut ? "timeout" : "unavailable", retriable: true });
      }
      // Events the stream added meanwhile are behind this batch: the batch is still the front.
      if (res.ok) {
        pending.splice(0, n);
        return { rows: n, bytes: Buffer.byteLength(body), duplicatesSkipped: 0 };
      }
      if (res.status === 408 || res.status === 429 || res.status >= 500)
        throw new SinkError(name, `${where}: HTTP ${res.status}`, { code: "unavailable", retriable: true, retryAfterMs: retryAfterMs(res.headers.get("retry-after"), opts.now()) });
      pending.splice(0, n);
      return { rows: 0, bytes: 0, duplicatesSkipped: 0, rejected: n, faults: [{ target: where, code: "rejected", reason: `HTTP ${res.status}: ${n} alert event${n === 1 ? "" : "s"} refused` }] };
    },
    async flush() {},
    async close() {
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
