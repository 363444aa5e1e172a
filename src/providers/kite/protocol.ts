/**
 * Kite Connect protocol facts shared by the client, the instrument and the quote modules, each
 * declared once: the exchanges whose dumps G6 reads, Kite's naive IST timestamps, and the
 * error code of an error answer.
 *
 * Decisions:
 * - Timestamps ("YYYY-MM-DD HH:MM:SS", naive IST) are converted with integer arithmetic, never
 *   with Date's local-time methods, so the process time zone does not matter; the last string
 *   is memoised (a /quote body repeats one timestamp hundreds of times).
 * - One error mapping for every endpoint: 429 → rate_limited; TokenException → auth (log in
 *   again); PermissionException → config (the plan lacks the feature: no retry helps, and it
 *   does not stop the other calls the way an auth failure does); InputException → bad_data;
 *   NetworkException, DataException, GeneralException and 5xx → transient; an untyped 401/403
 *   → auth; 404/405 → config (a wrong REST URL); other 4xx → bad_data.
 */
import type { ErrorCode } from "../../contracts/errors.ts";
import { DAY_MS, IST_OFFSET_MS } from "../../market/ist.ts";

/** The exchanges whose instrument dumps G6 reads: index rows on NSE/BSE, options on NFO/BFO. */
export const KITE_EXCHANGES = Object.freeze(["NSE", "BSE", "NFO", "BFO"] as const);
export type KiteExchange = (typeof KITE_EXCHANGES)[number];

/** The error code of a Kite error answer, from its HTTP status (when known) and `error_type`. */
export function errorCodeOf(status: number | undefined, errorType: string | undefined): ErrorCode {
  if (status === 429) return "rate_limited";
  switch (errorType) {
    case "TokenException":
      return "auth";
    case "PermissionException":
      return "config";
    case "InputException":
      return "bad_data";
    case "NetworkException":
    case "DataException":
    case "GeneralException":
      return "transient";
  }
  if (status === undefined || status >= 500) return "transient";
  if (status === 401 || status === 403) return "auth";
  if (status === 404 || status === 405) return "config";
  return "bad_data";
}

// Days from 1970-01-01 to the first of each month in a non-leap year.
const MONTH_START = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const digit = (s: string, i: number): number => {
  const d = s.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
};

let lastStamp = "";
let lastStampMs = Number.NaN;

/**
 * Epoch ms of a naive IST timestamp "YYYY-MM-DD HH:MM:SS"; NaN for null, undefined, "" or a
 * string that is not such a timestamp (`isBadTimestamp` tells the two apart). Independent of
 * the process time zone.
 */
export function parseIstTimestamp(s: string | null | undefined): number {
  if (typeof s !== "string" || s.length !== 19) return Number.NaN;
  if (s === lastStamp) return lastStampMs;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 32 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return Number.NaN;
  const year = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  const month = digit(s, 5) * 10 + digit(s, 6);
  const day = digit(s, 8) * 10 + digit(s, 9);
  const hour = digit(s, 11) * 10 + digit(s, 12);
  const minute = digit(s, 14) * 10 + digit(s, 15);
  const second = digit(s, 17) * 10 + digit(s, 18);
  if (!(month >= 1 && month <= 12 && hour <= 23 && minute <= 59 && second <= 59 && year >= 1970)) return Number.NaN;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  if (!(day >= 1 && day <= MONTH_DAYS[month - 1]! + (leap && month === 2 ? 1 : 0))) return Number.NaN;
  // Days since the epoch: whole years (with their leap days), then months, then days.
  const y = year - 1;
  const leapDays = Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400) - 477; // 477 leap days before 1970
  const days = (year - 1970) * 365 + leapDays + MONTH_START[month - 1]! + (leap && month > 2 ? 1 : 0) + day - 1;
  const ms = days * DAY_MS + ((hour * 60 + minute) * 60 + second) * 1000 - IST_OFFSET_MS;
  lastStamp = s;
  lastStampMs = ms;
  return ms;
}

