/**
 * The error vocabulary of providers and sinks, in one place: each kind of failure has a bounded
 * code (a metric label) and a class that carries it. A provider throws a `ProviderError`; a sink
 * throws a `SinkError` for a write it could not do at all, and reports the targets it could not
 * write (while the rest of the cycle was written) as `SinkFault`s. The engine decides what to do.
 */

/** The small, bounded vocabulary of error kinds; the engine decides what to do with each. */
/** The message of anything thrown: an Error's message, else its string form. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export const ERROR_CODES = ["transient", "auth", "rate_limited", "bad_data", "fatal", "config"] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export class ProviderError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "ProviderError";
  }
}

/**
 * One target (a file, an endpoint) a sink could not write in a cycle while the rest of the
 * cycle was written: the fault stays confined to `target`. `reason` is one line for people
 * (what failed and why, e.g. "ENOSPC: no space left on device"); `code` is a bounded label.
 */
export type SinkFault = { target: string; code: SinkFaultCode; reason: string };

/** Bounded fault codes (metric labels). */
export const SINK_FAULT_CODES = ["no_space", "read_only", "permission", "foreign_file", "io", "unavailable", "rejected", "timeout"] as const;
export type SinkFaultCode = (typeof SINK_FAULT_CODES)[number];

/** Most fault targets named in a reason; the rest are counted. */
const NAMED_FAULTS = 3;

/** The target of a fault that stopped a sink's whole write (it threw). */
export const WHOLE_SINK = "";

/** One fault in words: a foreign file was set aside (and the target written afresh), anything else could not be written. */
export function describeFault(f: SinkFault): string {
  if (f.target === WHOLE_SINK) return `nothing written (${f.reason})`;
  return f.code === "foreign_file" ? `${f.target}: ${f.reason}` : `cannot write ${f.target} (${f.reason})`;
}

/** "path (reason)" for the first few faults, then "+N more". */
export function describeFaults(faults: readonly SinkFault[]): string {
  const named = faults.slice(0, NAMED_FAULTS).map(describeFault);
  const more = faults.length - NAMED_FAULTS;
  return named.join("; ") + (more > 0 ? `; +${more} more` : "");
}

/** The fault code of a file-system error (errno code → bounded label). */
export function faultCodeOf(err: unknown): SinkFaultCode {
  if (err instanceof SinkError) return err.code;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === "ENOSPC" || code === "EDQUOT") return "no_space";
  if (code === "EROFS") return "read_only";
  if (code === "EACCES" || code === "EPERM") return "permission";
  return "io";
}

/**
 * A write (or flush) a sink could not do at all. `retriable` says whether the same write may
 * succeed later (a server briefly down, a timeout): the running sink retries those with backoff
 * and jitter, and hands the rest to its fault accounting at once (a rejected batch, a full disk).
 */
export class SinkError extends Error {
  readonly code: SinkFaultCode;
  readonly retriable: boolean;
  /** The earliest the target wants to be asked again (a server's Retry-After), ms; 0: no wish. */
  readonly retryAfterMs: number;
  constructor(
    readonly sink: string,
    message: string,
    opts: { code?: SinkFaultCode; retriable?: boolean; retryAfterMs?: number } = {},
  ) {
    super(`${sink}: ${message}`);
    this.name = "SinkError";
    this.code = opts.code ?? "io";
    this.retriable = opts.retriable ?? false;
    this.retryAfterMs = opts.retryAfterMs ?? 0;
  }
}

/** Whether a failed write may succeed if tried again: a SinkError says so; anything else does not. */
export function isRetriable(err: unknown): boolean {
  return err instanceof SinkError && err.retriable;
}

/** How long the target asked to be left alone before the next attempt (Retry-After), ms; 0: no wish. */
export function retryAfterOf(err: unknown): number {
  return err instanceof SinkError ? err.retryAfterMs : 0;
}

/**
 * Whether a retriable failure is an outage of the target (unreachable, overloaded, too slow)
 * rather than something a person must fix (credentials): while a spool keeps every payload, an
 * outage only degrades the sink; anything else shows it failing.
 */
export function isOutage(err: unknown): boolean {
  return err instanceof SinkError && err.retriable && (err.code === "unavailable" || err.code === "timeout");
}
