/**
 * A growable ASCII byte buffer for CSV rows. At 100,000 legs a cycle, building rows as JS
 * strings (toFixed, join) costs ~15 µs a row on Bun; writing digits straight into bytes costs
 * a small fraction of that. Numbers are written with fixed decimals exactly as `fmt` writes them.
 */

const POW10 = new Float64Array([1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9]);
const MAX_SAFE = Number.MAX_SAFE_INTEGER;
/** Scaled values below this round to an int32 (u + 0.5 stays below 2^31). */
const ROUND_INT32 = 2147483647;
const COMMA = 44;
const NEWLINE = 10;
const MINUS = 45;
const DOT = 46;
/** Up to this many bytes, a copy by hand is cheaper than a TypedArray.set call. */
const SHORT_COPY = 128;
const ZERO = 48;

/** "00" … "99": two digits per step (half the divisions of one digit at a time). */
const DIGIT_PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
  DIGIT_PAIRS[2 * i] = ZERO + ((i / 10) | 0);
  DIGIT_PAIRS[2 * i + 1] = ZERO + (i % 10);
}

/**
 * The most bytes writeFixed writes: toFixed's longest text (sign, 21 integer digits, dot, 9
 * decimals; from 1e21 on it is exponential and shorter).
 */
export const FIXED_MAX_BYTES = 32;

/** Decimal digits of an integer in [0, 2^31). */
function digitCount(v: number): number {
  if (v < 100000) return v < 100 ? (v < 10 ? 1 : 2) : v < 1000 ? 3 : v < 10000 ? 4 : 5;
  return v < 10000000 ? (v < 1000000 ? 6 : 7) : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
}

/**
 * Writes the `n` digits of v (an integer in [0, 10^n), n ≤ 10, zero padded) ending at `end`.
 * v / 100 as (v + 0.5) · 0.01 truncated: exact below 2^31 (the product is at least 0.005 from
 * an integer, its error below 1e-8) and a multiplication, not a division.
 */
function putDigits(buf: Uint8Array, end: number, v: number, n: number): void {
  let at = end;
  for (; n >= 2; n -= 2) {
    const q = ((v + 0.5) * 0.01) | 0;
    const r = (v - q * 100) << 1;
    buf[--at] = DIGIT_PAIRS[r + 1]!;
    buf[--at] = DIGIT_PAIRS[r]!;
    v = q;
  }
  if (n === 1) buf[at - 1] = ZERO + v;
}

/** Writes an ASCII string at `pos` (room for it known); returns the position after it. */
export function putAscii(buf: Uint8Array, pos: number, s: string): number {
  for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
  return pos;
}

/** Copies `data` to `pos` byte by byte (room known): for short copies, cheaper than a TypedArray.set call. */
export function putBytes(buf: Uint8Array, pos: number, data: Uint8Array): number {
  for (let i = 0; i < data.length; i++) buf[pos++] = data[i]!;
  return pos;
}

/**
 * Writes x with `d` decimals (0–9) at `pos`, rounding half away from zero on x·10^d, and
 * returns the position after it; writes nothing when x is not finite (missing stays an empty
 * field). Same text as `fmt` in format.ts. The caller guarantees FIXED_MAX_BYTES of room.
 *
 * Below 2^31 (every price, Greek and count G6 writes) the scaled value y is rounded as
 * Math.round does, without its call (about 8 ns of a field's 25 on Bun): u = trunc(y + 0.5), one
 * less when the sum rounded up across an integer (y < u - 0.5, exact there). u is then written
 * right to left two digits a step from DIGIT_PAIRS, the decimals first, then the dot, then the
 * whole part; u / 100 is (u + 0.5) · 0.01 truncated, a multiplication, exact there (the product
 * is at least 0.005 from an integer, its rounding error below 1e-6). Up to 2^53 through 8-digit
 * halves; beyond, toFixed's text, as in fmt.
 */
export function writeFixed(buf: Uint8Array, pos: number, x: number, d: number): number {
  if (x - x !== 0) return pos; // NaN, ±Infinity
  const neg = x < 0;
  const y = (neg ? -x : x) * POW10[d]!;
  if (!(y < ROUND_INT32)) return writeWide(buf, pos, x, Math.round(y), d);
  let u = (y + 0.5) | 0;
  if (y < u - 0.5) u--;
  if (neg && u !== 0) buf[pos++] = MINUS;
  const digits = digitCount(u);
  const end = d === 0 ? pos + digits : pos + (digits > d ? digits : d + 1) + 1;
  let at = end;
  let k = d;
  for (; k >= 2; k -= 2) {
    const q = ((u + 0.5) * 0.01) | 0;
    const r = (u - q * 100) << 1;
    buf[--at] = DIGIT_PAIRS[r + 1]!;
    buf[--at] = DIGIT_PAIRS[r]!;
    u = q;
  }
  if (k === 1) {
    const q = ((u + 0.5) * 0.1) | 0;
    buf[--at] = ZERO + u - q * 10;
    u = q;
  }
  if (d !== 0) buf[--at] = DOT;
  while (at - pos >= 2) {
    const q = ((u + 0.5) * 0.01) | 0;
    const r = (u - q * 100) << 1;
    buf[--at] = DIGIT_PAIRS[r + 1]!;
    buf[--at] = DIGIT_PAIRS[r]!;
    u = q;
  }
  if (at > pos) buf[pos] = ZERO + u;
  return end;
}

/** writeFixed from 2^31 - 1 on: toFixed's text beyond 2^53, else the sign and putLarge. */
function writeWide(buf: Uint8Array, pos: number, x: number, v: number, d: number): number {
  if (v > MAX_SAFE) return putAscii(buf, pos, x.toFixed(d));
  if (x < 0) buf[pos++] = MINUS;
  return putLarge(buf, pos, v, d);
}

/** writeFixed's digits for a scaled value in [2^31 - 1, 2^53]: at least 10 digits, so the whole part is never empty. */
function putLarge(buf: Uint8Array, pos: number, v: number, d: number): number {
  let hi = Math.floor(v / 1e8);
  let lo = v - hi * 1e8;
  if (lo < 0) {
    hi--;
    lo += 1e8;
  }
  const nh = digitCount(hi);
  const n = nh + 8;
  // All digits first, then the decimals moved one place right for the dot.
  putDigits(buf, pos + nh, hi, nh);
  putDigits(buf, pos + n, lo, 8);
  if (d === 0) return pos + n;
  for (let k = pos + n; k > pos + n - d; k--) buf[k] = buf[k - 1]!;
  buf[pos + n - d] = DOT;
  return pos + n + 1;
}

export class ByteWriter {
  buf: Uint8Array;
  pos = 0;

  /** `buffer`: memory to write into (a recycled one; its contents are overwritten), else fresh memory of `capacity`. */
  constructor(capacity = 1 << 16, buffer?: ArrayBuffer) {
    this.buf = buffer ? new Uint8Array(buffer) : new Uint8Array(capacity);
  }

  /**
   * Room for `n` more bytes from `pos`; returns the buffer (a new one when it grew). Renderers
   * reserve a whole row's bound once and write through writeFixed / putBytes with local positions.
   */
  reserve(n: number): Uint8Array {
    if (this.pos + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
      next.set(this.buf.subarray(0, this.pos));
      this.buf = next;
    }
    return this.buf;
  }

  /** Appends an ASCII string. */
  ascii(s: string): void {
    this.pos = putAscii(this.reserve(s.length), this.pos, s);
  }

  /** Appends raw bytes (e.g. a row prefix encoded once per group). */
  bytes(data: Uint8Array): void {
    const buf = this.reserve(data.length);
    // Short data (a key ",iv=", a row prefix) by hand: TypedArray.set costs more per call than
    // the copy itself (about 0.3 s a day of g6 ingest's line rendering, 3 million calls).
    if (data.length <= SHORT_COPY) {
      this.pos = putBytes(buf, this.pos, data);
      return;
    }
    buf.set(data, this.pos);
    this.pos += data.length;
  }

  /**
   * Appends src[start, end) (a rendered row body). A byte loop: no view object per call, which
   * a universe cycle's 100,000 rows would otherwise allocate (`subarray` + `set` cost ~2× the
   * loop for 150-byte rows, measured in one process).
   */
  range(src: Uint8Array, start: number, end: number): void {
    const buf = this.reserve(end - start);
    let pos = this.pos;
    for (let i = start; i < end; i++) buf[pos++] = src[i]!;
    this.pos = pos;
  }

  comma(): void {
    this.reserve(1);
    this.buf[this.pos++] = COMMA;
  }

  newline(): void {
    this.reserve(1);
    this.buf[this.pos++] = NEWLINE;
  }

  /**
   * Appends x with `d` decimals (0–9), rounding half away from zero on x·10^d; nothing when x
   * is not finite (missing stays an empty field). Same text as `fmt` in format.ts (writeFixed).
   */
  fixed(x: number, d: number): void {
    this.pos = writeFixed(this.reserve(FIXED_MAX_BYTES), this.pos, x, d);
  }

  /** Appends x rounded to an integer; nothing when not finite. */
  int(x: number): void {
    this.fixed(x, 0);
  }

  /** The bytes written so far (a view; valid until the next write). */
  view(start = 0, end = this.pos): Uint8Array {
    return this.buf.subarray(start, end);
  }

  reset(): void {
    this.pos = 0;
  }
}
