/**
 * Indian Standard Time arithmetic for G6. IST is a fixed UTC+05:30 with no daylight saving,
 * so every conversion is plain UTC arithmetic shifted by `IST_OFFSET_MS`; nothing here depends
 * on the process time zone. Dates are ISO 'YYYY-MM-DD' strings; a day number is the count of
 * days since 1970-01-01.
 */

/** The IST offset from UTC, in milliseconds (+05:30). */
export const IST_OFFSET_MS = 19_800_000;

/** Milliseconds in one calendar day. */
export const DAY_MS = 86_400_000;

export type IstParts = {
  year: number;
  /** 1-12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
  /** 0 = Sunday .. 6 = Saturday */
  weekday: number;
};

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const CLOCK_TIME = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;
const G6_TIMESTAMP = /^(\d{2})-(\d{2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})$/;

const pad2 = (n: number): string => String(n).padStart(2, "0");
const pad4 = (n: number): string => String(n).padStart(4, "0");

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validYmd(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** True when `s` is 'YYYY-MM-DD' naming a real calendar date (2026-02-30 is false). */
export function isValidIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  return m !== null && validYmd(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** Day numbers of dates seen (a cycle asks for the same few dates per listed strike); cleared past DAY_CACHE_MAX. */
const dayNumbers = new Map<string, number>();
const DAY_CACHE_MAX = 4096;

/** Day number (days since 1970-01-01) of an ISO date; throws an Error naming an invalid date. */
export function dayNumber(date: string): number {
  const known = dayNumbers.get(date);
  if (known !== undefined) return known;
  const m = ISO_DATE.exec(date);
  if (m === null || !validYmd(Number(m[1]), Number(m[2]), Number(m[3]))) {
    throw new Error(`invalid date "${date}" (expected a real YYYY-MM-DD date)`);
  }
  const n = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
  if (dayNumbers.size >= DAY_CACHE_MAX) dayNumbers.clear();
  dayNumbers.set(date, n);
  return n;
}

/** ISO date 'YYYY-MM-DD' of a day number (days since 1970-01-01); inverse of `dayNumber`. */
export function dateOfDay(n: number): string {
  if (!Number.isInteger(n)) throw new Error(`invalid day number ${n} (expected an integer)`);
  const d = new Date(n * DAY_MS);
  return `${pad4(d.getUTCFullYear())}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}`;
}

/** Weekday of a day number: 0 = Sunday .. 6 = Saturday. */
export function weekdayOfDay(n: number): number {
  return (((n + 4) % 7) + 7) % 7;
}

/** Wall-clock parts of epoch ms `epochMs` in IST (month 1-12, weekday 0 = Sunday). */
export function istParts(epochMs: number): IstParts {
  const d = new Date(epochMs + IST_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
    weekday: d.getUTCDay(),
  };
}

/** IST day number (days since 1970-01-01) containing epoch ms `epochMs`. */
export function istDayNumber(epochMs: number): number {
  return Math.floor((epochMs + IST_OFFSET_MS) / DAY_MS);
}

/** IST calendar date 'YYYY-MM-DD' containing epoch ms `epochMs`. */
export function istDate(epochMs: number): string {
  return dateOfDay(istDayNumber(epochMs));
}

/** Milliseconds after midnight of an 'HH:MM' or 'HH:MM:SS' clock time; throws an Error naming a bad value. */
export function clockTimeMs(time: string): number {
  const m = CLOCK_TIME.exec(time);
  const h = Number(m?.[1]);
  const min = Number(m?.[2]);
  const s = Number(m?.[3] ?? "0");
  if (m === null || h > 23 || min > 59 || s > 59) {
    throw new Error(`invalid time "${time}" (expected HH:MM or HH:MM:SS)`);
  }
  return ((h * 60 + min) * 60 + s) * 1000;
}

/** Epoch ms of IST wall time `time` ('HH:MM' or 'HH:MM:SS', default midnight) on ISO date `date`. */
export function istEpoch(date: string, time = "00:00:00"): number {
  return dayNumber(date) * DAY_MS + clockTimeMs(time) - IST_OFFSET_MS;
}

/** The G6 CSV timestamp 'DD-MM-YYYY HH:MM:SS' (IST, truncated to the second) of epoch ms. */
export function formatG6Timestamp(epochMs: number): string {
  const p = istParts(epochMs);
  return `${pad2(p.day)}-${pad2(p.month)}-${pad4(p.year)} ${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}`;
}

/** ISO 8601 IST instant 'YYYY-MM-DDTHH:MM:SS+05:30' (truncated to the second) of epoch ms. */
export function formatIsoIst(epochMs: number): string {
  const p = istParts(epochMs);
  return `${pad4(p.year)}-${pad2(p.month)}-${pad2(p.day)}T${pad2(p.hour)}:${pad2(p.minute)}:${pad2(p.second)}+05:30`;
}

/** Epoch ms of a G6 CSV timestamp 'DD-MM-YYYY HH:MM:SS' (IST); throws an Error naming a bad value. */
export function parseG6Timestamp(s: string): number {
  const m = G6_TIMESTAMP.exec(s);
  if (m === null) throw new Error(`invalid G6 timestamp "${s}" (expected DD-MM-YYYY HH:MM:SS)`);
  const [, dd, mm, yyyy, hh, mi, ss] = m;
  const date = `${yyyy}-${mm}-${dd}`;
  if (!isValidIsoDate(date)) throw new Error(`invalid G6 timestamp "${s}" (no such date)`);
  if (Number(hh) > 23 || Number(mi) > 59 || Number(ss) > 59) {
    throw new Error(`invalid G6 timestamp "${s}" (time out of range)`);
  }
  return istEpoch(date, `${hh}:${mi}:${ss}`);
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"] as const;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"] as const;

/** A short IST instant for people, 'Fri 27 Nov 09:15 IST' (truncated to the minute). */
export function formatIstShort(epochMs: number): string {
  const p = istParts(epochMs);
  return `${WEEKDAYS[p.weekday]} ${p.day} ${MONTHS[p.month - 1]} ${pad2(p.hour)}:${pad2(p.minute)} IST`;
}
