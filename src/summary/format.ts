/**
 * Text formatting shared by the summary renderers (pure). A missing value (NaN, null) prints
 * as "-", never as a number. Colour is ANSI SGR, applied only when the caller asks for it.
 */
import type { AlertLevel, SummarySink, SummarySource, SummaryStatus } from "./model.ts";

export const MISSING = "-";

/** `x` with `digits` decimals, or "-" when not finite. */
export function num(x: number | null, digits = 2): string {
  return x !== null && Number.isFinite(x) ? x.toFixed(digits) : MISSING;
}

/** A whole count ("12"), or "-" when not finite. */
export function count(x: number | null): string {
  return x !== null && Number.isFinite(x) ? String(Math.round(x)) : MISSING;
}

/** `x` with an explicit sign, or "-". */
export function signed(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${x >= 0 ? "+" : ""}${x.toFixed(digits)}` : MISSING;
}

/** A fraction as a percentage ("13.10%"), optionally signed, or "-". */
export function pct(x: number, digits = 1, withSign = false): string {
  if (!Number.isFinite(x)) return MISSING;
  return `${withSign && x >= 0 ? "+" : ""}${(x * 100).toFixed(digits)}%`;
}

/** Seconds as "1d 02:03:04" or "02:03:04". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return MISSING;
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const hms = [Math.floor((s % 86_400) / 3600), Math.floor((s % 3600) / 60), s % 60].map((n) => String(n).padStart(2, "0")).join(":");
  return d > 0 ? `${d}d ${hms}` : hms;
}

/** An age in seconds, short ("4s", "3m", "2h", "5d"), or "-". */
export function age(seconds: number): string {
  if (!Number.isFinite(seconds)) return MISSING;
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

/** Bytes as "512 B", "1.2 KB", "3.4 MB", or "-". */
export function bytes(n: number): string {
  if (!Number.isFinite(n)) return MISSING;
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(2)} GB`;
}

/** "2026-11-20 10:00:00 IST" from an ISO IST instant ("2026-11-20T10:00:00+05:30"). */
export function istClock(iso: string | null): string {
  return iso === null ? MISSING : `${iso.slice(0, 10)} ${iso.slice(11, 19)} IST`;
}

/** Where the data comes from and how old it is: ["file: data/runtime_status.json", "age 53m", "STALE"]. */
export function sourceWords(src: SummarySource): string[] {
  const words = [`${src.kind}: ${src.location}`, `age ${age(src.ageSeconds)}`];
  if (src.freshness !== "fresh") words.push(src.freshness.toUpperCase());
  return words;
}

/** A sink's fault for people: "FAILING 2 (no_space): data/x.csv" (the first target), or "". */
export function sinkFault(k: SummarySink): string {
  if (k.failing === 0 || !Number.isFinite(k.failing)) return "";
  const first = k.firstFailing ? ` (${k.firstFailing.code}): ${k.firstFailing.target}` : "";
  return `FAILING ${k.failing}${first}`;
}

const SGR = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
export type Style = keyof typeof SGR;

/** Wraps `s` in an SGR style when `on`. */
export function paint(s: string, style: Style, on: boolean): string {
  return on ? `\x1b[${SGR[style]}m${s}\x1b[0m` : s;
}

/** The style of a status word. */
export function statusStyle(status: SummaryStatus | "OPEN" | "CLOSED" | "ok" | "failed"): Style {
  if (status === "OK" || status === "OPEN" || status === "ok") return "green";
  if (status === "PARTIAL" || status === "CLOSED") return "yellow";
  return "red";
}

/** The style of an alert level. */
export function levelStyle(level: AlertLevel): Style {
  return level === "error" ? "red" : level === "warn" ? "yellow" : "dim";
}

/** ANSI CSI escape sequences (colours, cursor control). */
const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;
const ANSI_AT = /\x1b\[[0-9;?]*[A-Za-z]/y;
const RESET = "\x1b[0m";

/** Visible width of a string that may hold ANSI escapes (one column per code unit). */
export function visibleLength(s: string): number {
  return s.replace(ANSI, "").length;
}

/**
 * `s` padded with spaces or cut to exactly `width` visible columns. A cut ends in "…" and keeps
 * the colours before it (a red error stays red when cut), closing an open one.
 */
export function fit(s: string, width: number): string {
  const len = visibleLength(s);
  if (len === width) return s;
  if (len < width) return s + " ".repeat(width - len);
  if (width <= 1) return s.replace(ANSI, "").slice(0, width);
  let out = "";
  let visible = 0;
  let styled = false;
  for (let i = 0; i < s.length && visible < width - 1; ) {
    ANSI_AT.lastIndex = i;
    const esc = ANSI_AT.exec(s);
    if (esc) {
      out += esc[0];
      styled = esc[0] !== RESET;
      i += esc[0].length;
    } else {
      out += s[i];
      visible++;
      i++;
    }
  }
  return `${out}…${styled ? RESET : ""}`;
}

/** Short build-up labels: LB long build-up, SB short build-up, SC short covering, LU long unwinding, "=" neutral, "-" unknown. */
const BUILDUP_SHORT: Readonly<Record<string, string>> = { long_buildup: "LB", short_buildup: "SB", short_covering: "SC", long_unwinding: "LU", neutral: "=" };

/** A build-up class as two letters (see BUILDUP_SHORT). */
export function buildupShort(cls: string): string {
  return BUILDUP_SHORT[cls] ?? "-";
}

/** A contract count with sign and k/M suffix: +12.3k, −4.1M, "-" when missing. */
export function signedCompact(x: number): string {
  if (!Number.isFinite(x)) return "-";
  const a = Math.abs(x);
  const sign = x > 0 ? "+" : x < 0 ? "-" : "";
  if (a >= 1e6) return `${sign}${(a / 1e6).toFixed(1)}M`;
  if (a >= 1e3) return `${sign}${(a / 1e3).toFixed(1)}k`;
  return `${sign}${a.toFixed(0)}`;
}
