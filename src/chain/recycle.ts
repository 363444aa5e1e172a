/**
 * Recycled array buffers for shard transport, one store per thread (the main thread and each
 * worker has its own module instance).
 *
 * Why: on the 2-core machines G6 is measured on, the first touch of fresh memory costs far more
 * than the work done on it (12.7 MB of fresh Float64Arrays NaN-filled: 75-110 ms; the same
 * arrays filled again: 0.5 ms), and a pooled cycle used to allocate every shard array afresh
 * on both sides of the channel. Buffers now travel back: a worker returns the input buffers of
 * its job with its result, the main thread sends the merged output buffers back with the next
 * job, and each side cuts its arrays out of what it holds.
 *
 * Decisions: only buffers of at least MIN_BYTES are kept (small ones cost nothing fresh); the
 * store holds at most MAX_BUFFERS (the rest are left to the collector); a request takes the
 * smallest buffer that fits and wastes at most half of it, else a fresh one. A typed array cut
 * from a buffer is a view of its first `n` elements, so the whole buffer travels when the view
 * is transferred. Contents are never assumed: callers fill what they take.
 */

const MIN_BYTES = 64 * 1024;
/** Buffers this large are rendered-row memory (a shard's CSV rows): they go back to whichever thread renders next. */
export const LARGE_BYTES = 1 << 20;
const MAX_BUFFERS = 64;

export type ArrayCtor<T> = { new (buffer: ArrayBuffer, byteOffset: number, length: number): T; readonly BYTES_PER_ELEMENT: number };

export type BufferStore = {
  /** A buffer of at least `bytes` (recycled when one fits, else fresh). */
  take(bytes: number): ArrayBuffer;
  /** Keeps `buffers` for later takes (ignores small, detached and duplicate ones, and any beyond the cap). */
  give(buffers: Iterable<ArrayBuffer>): void;
  /** Takes up to `count` held buffers of at least `minBytes` out of the store (to send to another thread). */
  drain(count: number, minBytes?: number): ArrayBuffer[];
  readonly size: number;
};

export function createBufferStore(): BufferStore {
  const held: ArrayBuffer[] = [];
  return {
    take(bytes) {
      let best = -1;
      for (let i = 0; i < held.length; i++) {
        const len = held[i]!.byteLength;
        if (len >= bytes && len <= 2 * bytes && (best < 0 || len < held[best]!.byteLength)) best = i;
      }
      if (best < 0) return new ArrayBuffer(bytes);
      const [buf] = held.splice(best, 1);
      return buf!;
    },
    give(buffers) {
      for (const buf of buffers) {
        if (held.length >= MAX_BUFFERS) return;
        // A transferred-away buffer reads as length 0, so it is skipped with the small ones; shared memory is never recycled here.
        if (buf.byteLength < MIN_BYTES || !(buf instanceof ArrayBuffer) || held.includes(buf)) continue;
        held.push(buf);
      }
    },
    drain(count, minBytes = 0) {
      const out: ArrayBuffer[] = [];
      for (let i = 0; i < held.length && out.length < count; ) {
        if (held[i]!.byteLength >= minBytes) out.push(...held.splice(i, 1));
        else i++;
      }
      return out;
    },
    get size() {
      return held.length;
    },
  };
}

/** This thread's store. */
export const threadBuffers: BufferStore = createBufferStore();

/** A typed array of `n` elements over a buffer from `store` (contents unspecified: fill it). */
export function takeArray<T>(ctor: ArrayCtor<T>, n: number, store: BufferStore = threadBuffers): T {
  const bytes = n * ctor.BYTES_PER_ELEMENT;
  if (bytes < MIN_BYTES) return new ctor(new ArrayBuffer(bytes), 0, n);
  return new ctor(store.take(bytes), 0, n);
}

/**
 * The distinct buffers under a set of typed arrays that are worth recycling (large enough; small
 * ones, shared empty arrays and SharedArrayBuffers, which belong to a batch, stay where they are).
 */
export function buffersOf(arrays: Iterable<{ buffer: ArrayBufferLike }>): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const a of arrays) if (a.buffer.byteLength >= MIN_BYTES && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  return [...out];
}
