/**
 * ATM IV history: each earlier session's closing ATM IV per index and expiry tag, read from the
 * CSV files G6 recorded (storage.csv.dir), for IV rank and IV percentile.
 *
 * The overview CSV has no IV column, so the ATM rows of the option CSVs are read: offset 0 is the
 * ATM strike (`<base>/<INDEX>/<tag>/0/<date>.csv` in the g6 layout, the offset-0 rows of
 * `<base>/expiry_v1/<INDEX>/<tag>/<date>.csv` in expiry_v1). A session's value is its last row with
 * an IV: the mean of the finite ce_iv and pe_iv (fraction), the same rule as a cycle's ATM IV. Only
 * the tail of each file is read (the last rows), once per index, tag and day (cached). A missing
 * directory or file, or one without a readable IV, gives no value: nothing is invented.
 */
import { readdirSync } from "node:fs";
import { dirname } from "node:path";
import { expiryPath, OPTION_HEADER, optionPath, readOptionCsv } from "../g6csv/index.ts";
import { lastLines } from "../files/lines.ts";
import { isValidIsoDate } from "../market/index.ts";

export type IvHistory = {
  /** Closing ATM IVs (fractions) of the last `sessions` recorded sessions before `today`, oldest first. */
  closes(index: string, tag: string, today: string, sessions: number): number[];
};

/** The complete lines at the end of a file (up to 64 KiB) as text, or null when it cannot be read. */
function tail(path: string): string | null {
  try {
    const lines = lastLines(path);
    return lines.length ? `${lines.join("\n")}\n` : null;
  } catch {
    return null;
  }
}

/** The closing ATM IV in `text` (an option CSV's tail), or NaN. */
export function closingAtmIv(text: string): number {
  const body = text.startsWith("timestamp,") ? text : `${OPTION_HEADER}\n${text}`;
  let csv;
  try {
    csv = readOptionCsv(body);
  } catch {
    return Number.NaN;
  }
  const { offset, ce_iv, pe_iv } = csv.columns;
  for (let r = csv.rows - 1; r >= 0; r--) {
    if (offset[r] !== 0) continue;
    const ivs = [ce_iv[r]!, pe_iv[r]!].filter(Number.isFinite);
    if (ivs.length) return ivs.reduce((a, x) => a + x, 0) / ivs.length;
  }
  return Number.NaN;
}

/** ATM IV history over the CSV tree at `base` in `layout`. */
export function createIvHistory(base: string, layout: "g6" | "expiry_v1"): IvHistory {
  const cache = new Map<string, number[]>();
  return {
    closes(index, tag, today, sessions) {
      const key = `${index}|${tag}|${today}|${sessions}`;
      const hit = cache.get(key);
      if (hit) return hit;
      for (const k of cache.keys()) if (!k.includes(`|${today}|`)) cache.delete(k);
      // The ATM file of each day (offset 0 in the g6 layout), by the G6 CSV module's path rules.
      const fileOf = (date: string) => (layout === "g6" ? optionPath(base, index, tag, 0, date) : expiryPath(base, index, tag, date));
      const dir = dirname(fileOf("0000-00-00"));
      let dates: string[] = [];
      try {
        dates = readdirSync(dir)
          .filter((f) => f.endsWith(".csv"))
          .map((f) => f.slice(0, -4))
          .filter((d) => isValidIsoDate(d) && d < today)
          .sort();
      } catch {
        dates = [];
      }
      const out: number[] = [];
      // Newest first until enough sessions with a value; a session without one does not count.
      for (let i = dates.length - 1; i >= 0 && out.length < sessions; i--) {
        const text = tail(fileOf(dates[i]!));
        const iv = text === null ? Number.NaN : closingAtmIv(text);
        if (Number.isFinite(iv)) out.push(iv);
      }
      out.reverse();
      cache.set(key, out);
      return out;
    },
  };
}
