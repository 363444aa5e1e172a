/**
 * Rebuilds the dashboard's session from the day's G6 CSV option files (after a restart): per
 * index and expiry tag, the series point of every snapshot the files hold, the first snapshot
 * (the open's smile and OI) and the latest chain. Read with the G6 CSV reader (src/g6csv), so
 * a missing field stays NaN. The files carry no bid/ask or per-leg net change: those stay
 * missing in a rebuilt chain until the first live cycle replaces it.
 *
 * The figures are computed with the same functions the engine's scoring uses (pcr, maxPain,
 * impliedMove; ATM IV the mean of the ATM legs' IVs, the straddle the ATM legs' last prices),
 * on values rounded as the files store them (prices to 0.01, IV to 1e-6).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { impliedMove, maxPain, pcr } from "../analytics/index.ts";
import { readOptionCsv, type OptionCsv } from "../g6csv/index.ts";
import { CHAIN_FIELDS, expiryKey, type ChainField, type ChainSnapshot, type SeedHistory, type SeriesPoint } from "./store.ts";

export type CsvLayout = "g6" | "expiry_v1";

/** The day's option files under `dir` for `date` in `layout` (none when the directory is absent). */
export async function dayOptionFiles(dir: string, layout: CsvLayout, date: string): Promise<string[]> {
  const names = async (d: string) => {
    try {
      return (await readdir(d, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      return [];
    }
  };
  const files: string[] = [];
  const base = layout === "g6" ? dir : join(dir, "expiry_v1");
  for (const index of await names(base)) {
    if (layout === "g6" && (index === "overview" || index === "expiry_v1")) continue;
    for (const tag of await names(join(base, index))) {
      if (layout === "expiry_v1") files.push(join(base, index, tag, `${date}.csv`));
      else for (const offset of await names(join(base, index, tag))) files.push(join(base, index, tag, offset, `${date}.csv`));
    }
  }
  return files;
}

/** CSV column of each chain field (fields the files do not hold are absent). */
const CSV_OF: Partial<Record<ChainField, [string, string]>> = {
  last: ["ce", "pe"],
  volume: ["ce_vol", "pe_vol"],
  oi: ["ce_oi", "pe_oi"],
  iv: ["ce_iv", "pe_iv"],
  delta: ["ce_delta", "pe_delta"],
  gamma: ["ce_gamma", "pe_gamma"],
  theta: ["ce_theta", "pe_theta"],
  vega: ["ce_vega", "pe_vega"],
};

type Row = { csv: OptionCsv; r: number };

function snapshotOf(rows: Row[], t: number): ChainSnapshot {
  rows.sort((a, b) => a.csv.columns.strike[a.r]! - b.csv.columns.strike[b.r]!);
  const n = rows.length;
  const { csv: c0, r: r0 } = rows[0]!;
  const str = (name: "index" | "expiry_tag" | "expiry_date") => c0.strings[name].values[c0.strings[name].codes[r0]!]!;
  const ce = {} as Record<ChainField, Float64Array>;
  const pe = {} as Record<ChainField, Float64Array>;
  for (const f of CHAIN_FIELDS) {
    ce[f] = new Float64Array(n).fill(Number.NaN);
    pe[f] = new Float64Array(n).fill(Number.NaN);
  }
  const strikes = new Float64Array(n);
  rows.forEach(({ csv, r }, k) => {
    strikes[k] = csv.columns.strike[r]!;
    for (const [f, cols] of Object.entries(CSV_OF) as [ChainField, [string, string]][]) {
      ce[f][k] = csv.columns[cols[0] as keyof OptionCsv["columns"]][r]!;
      pe[f][k] = csv.columns[cols[1] as keyof OptionCsv["columns"]][r]!;
    }
  });
  return {
    index: str("index"),
    tag: str("expiry_tag"),
    expiry: str("expiry_date"),
    cycle: null,
    at: t,
    spot: c0.columns.index_price[r0]!,
    atm: c0.columns.atm[r0]!,
    forward: Number.NaN,
    strikes,
    ce,
    pe,
  };
}

/** The series point of one snapshot, as the engine's scoring computes it. */
export function pointOf(s: ChainSnapshot): SeriesPoint {
  const k = s.strikes.indexOf(s.atm);
  let straddle = Number.NaN;
  let atmIv = Number.NaN;
  if (k >= 0) {
    const cl = s.ce.last[k]!;
    const pl = s.pe.last[k]!;
    if (cl > 0 && pl > 0) straddle = cl + pl;
    const ivs = [s.ce.iv[k]!, s.pe.iv[k]!].filter(Number.isFinite);
    if (ivs.length) atmIv = ivs.reduce((a, x) => a + x, 0) / ivs.length;
  }
  return {
    t: s.at,
    spot: s.spot,
    pcrOi: pcr(s.pe.oi, s.ce.oi),
    pcrVolume: pcr(s.pe.volume, s.ce.volume),
    maxPain: maxPain(s.strikes, s.ce.oi, s.pe.oi),
    straddle,
    impliedMove: impliedMove(straddle, s.spot),
    atmIv,
  };
}

export type RebuildReport = { files: number; snapshots: number; histories: SeedHistory[]; problems: string[] };

/**
 * Reads the day's option files and returns each expiry's history of snapshots taken before
 * `before` (epoch ms; rows at or after it belong to the live session). A file that cannot be
 * read is named in `problems` and skipped.
 */
export async function rebuildFromCsv(dir: string, layout: CsvLayout, date: string, before = Number.POSITIVE_INFINITY): Promise<RebuildReport> {
  const files = await dayOptionFiles(dir, layout, date);
  const rowsByKey = new Map<string, Map<number, Row[]>>();
  const problems: string[] = [];
  let read = 0;
  for (const path of files) {
    const file = Bun.file(path);
    if (!(await file.exists())) continue;
    let csv: OptionCsv;
    try {
      csv = readOptionCsv(new Uint8Array(await file.arrayBuffer()), { path });
    } catch (err) {
      problems.push(`${path}: ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    read++;
    const idx = csv.strings.index;
    const tag = csv.strings.expiry_tag;
    for (let r = 0; r < csv.rows; r++) {
      const t = csv.timestamp[r]!;
      if (!(t < before)) continue;
      const key = expiryKey(idx.values[idx.codes[r]!]!, tag.values[tag.codes[r]!]!);
      let byT = rowsByKey.get(key);
      if (!byT) rowsByKey.set(key, (byT = new Map()));
      let rows = byT.get(t);
      if (!rows) byT.set(t, (rows = []));
      rows.push({ csv, r });
    }
  }
  const histories: SeedHistory[] = [];
  let snapshots = 0;
  for (const byT of rowsByKey.values()) {
    const times = [...byT.keys()].sort((a, b) => a - b);
    const points: SeriesPoint[] = [];
    let first: ChainSnapshot | null = null;
    let latest: ChainSnapshot | null = null;
    for (const t of times) {
      const s = snapshotOf(byT.get(t)!, t);
      first ??= s;
      latest = s;
      points.push(pointOf(s));
      snapshots++;
    }
    if (first && latest) histories.push({ first, latest, points });
  }
  return { files: read, snapshots, histories, problems };
}
