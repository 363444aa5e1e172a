/**
 * The replay provider's factory: checks `provider.replay` against the tree on disk (a clear
 * configuration error naming the path or the date otherwise), and returns the provider with the
 * recording's own snapshot clock: the recorded instants in order, day after day, then null, on
 * which the engine ends the run. Market hours are "own": a replay never idles.
 *
 * Pacing: with `speed` null the interval alone paces cycles (0: back to back, as fast as
 * possible); with a speed each instant is due its recorded gap ÷ speed after the previous one's
 * due time (a day's first instant is due at once: a night is no gap), the clock's `delayMs`
 * waits for it, and a replay that fell behind catches up back to back.
 *
 * Each day read is summarised in one info line, and what its files held that was not read (torn
 * lines, duplicated rows, rows of the wrong width, files that are not G6 CSV) in one warning.
 */
import { existsSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "../../config/errors.ts";
import { istDate } from "../../market/index.ts";
import type { ProviderFactory, SnapshotClock } from "../registry.ts";
import { createReplayProvider } from "./provider.ts";
import { loadDay, type DayReport, type ParsedFile, type RecordedDay } from "./recording.ts";
import { datesInRange, filesOfDay } from "./tree.ts";

/** The day's summary line, and a warning line when something in its files was not read (null otherwise). */
export function describeDay(r: DayReport): { info: string; warn: string | null } {
  const facts = [`${r.files} files`, `${r.rows} rows`, `${r.instants} instants`];
  if (r.crlfFiles) facts.push(`${r.crlfFiles} with CRLF line ends`);
  if (r.rounded30sFiles) facts.push(`${r.rounded30sFiles} with timestamps on the 30 s grid`);
  if (r.extraColumnFiles) facts.push(`${r.extraColumnFiles} with extra columns`);
  if (r.zeroAsMissing) facts.push(`${r.zeroAsMissing} zeros read as missing`);
  const skipped: string[] = [];
  if (r.duplicates) skipped.push(`${r.duplicates} duplicated rows read once`);
  if (r.torn.length) skipped.push(`${r.torn.length} torn last lines not read (${r.torn.slice(0, 3).map((t) => `${t.path}:${t.line}`).join(", ")}${r.torn.length > 3 ? ", …" : ""})`);
  if (r.badRows) skipped.push(`${r.badRows} unreadable rows not read`);
  if (r.unreadable.length) skipped.push(`${r.unreadable.length} files not read (${r.unreadable.slice(0, 3).map((u) => `${u.path}: ${u.reason}`).join("; ")}${r.unreadable.length > 3 ? "; …" : ""})`);
  return { info: `replaying ${r.date}: ${facts.join(", ")}`, warn: skipped.length ? `${r.date}: ${skipped.join("; ")}` : null };
}

/**
 * Hooks of a replay factory: `onDay` hears of each recorded day when it has been read (g6
 * ingest's report); `parsed` gives files of a date already parsed (g6 ingest's reading workers).
 */
export type ReplayHooks = { onDay?: (day: RecordedDay) => void; parsed?: (date: string) => ReadonlyMap<string, ParsedFile> | undefined };

export const replayProviderFactory: ProviderFactory = createReplayProviderFactory();

/** The replay factory; `hooks` let a caller (g6 ingest) see each day read. */
export function createReplayProviderFactory(hooks: ReplayHooks = {}): ProviderFactory {
  return {
    kind: "replay",
    create({ config, now, log }) {
      const rc = config.provider.replay;
      if (rc.path === null) throw new ConfigError(["provider.replay.path: required with provider.kind \"replay\" (the G6 CSV tree to replay; CLI: --replay DIR)"]);
      const base = resolve(rc.path);
      if (!existsSync(base) || !statSync(base).isDirectory()) throw new ConfigError([`provider.replay.path: ${base}: no such directory`]);
      const csv = config.storage.csv;
      const output = resolve(isAbsolute(csv.dir) ? csv.dir : join(config.storage.data_dir, csv.dir));
      if (csv.enabled && output === base) {
        throw new ConfigError([`provider.replay.path: ${base} is the CSV directory this run writes (storage.data_dir, storage.csv.dir): replay into another data directory`]);
      }
      const indices = Object.entries(config.indices).filter(([, c]) => c.enabled).map(([name]) => name);
      let dates: string[];
      if (rc.date !== null) {
        if (rc.from !== null || rc.to !== null) throw new ConfigError(["provider.replay.date: give a date or a range (from, to), not both"]);
        dates = [rc.date];
      } else {
        if (rc.from === null || rc.to === null) throw new ConfigError(["provider.replay.date: required with provider.kind \"replay\": a date (YYYY-MM-DD), or from and to"]);
        if (rc.from > rc.to) throw new ConfigError([`provider.replay.from: ${rc.from} is after provider.replay.to (${rc.to})`]);
        dates = datesInRange(base, indices, rc.from, rc.to);
        if (!dates.length) throw new ConfigError([`provider.replay.from: no G6 CSV files from ${rc.from} to ${rc.to} for ${indices.join(", ")} under ${base}`]);
      }

      let loaded: RecordedDay | null = null;
      const day = (date: string): RecordedDay => {
        if (loaded?.date === date) return loaded;
        loaded = loadDay(date, filesOfDay(base, indices, date), hooks.parsed?.(date));
        hooks.onDay?.(loaded);
        const lines = describeDay(loaded.report);
        log?.info(lines.info);
        if (lines.warn) log?.warn(lines.warn);
        return loaded;
      };

      // The first day with instants starts the clock; a single date without any is an error.
      let dateAt = 0;
      while (dateAt < dates.length && day(dates[dateAt]!).instants.length === 0) {
        if (dates.length === 1) {
          const r = loaded!.report;
          const what = r.files ? `its ${r.files} files hold no readable rows` : `no files overview/<INDEX>/${dates[0]}.csv, <INDEX>/<tag>/<offset>/${dates[0]}.csv or expiry_v1/<INDEX>/<tag>/${dates[0]}.csv for ${indices.join(", ")}`;
          throw new ConfigError([`provider.replay.date: nothing recorded on ${dates[0]} under ${base}: ${what}`]);
        }
        log?.warn(`${dates[dateAt]}: no readable rows, passed over`);
        dateAt++;
      }
      if (dateAt === dates.length) throw new ConfigError([`provider.replay.from: no readable rows from ${rc.from} to ${rc.to} under ${base}`]);

      let pos = 0;
      /** The next instant without taking it; null at the end. */
      const peek = (): number | null => {
        while (dateAt < dates.length) {
          const d = day(dates[dateAt]!);
          if (pos < d.instants.length) return d.instants[pos]!;
          dateAt++;
          pos = 0;
        }
        return null;
      };
      const startsAt = peek()!;
      let dueWall = Number.NaN;
      let lastAt = Number.NaN;
      const snapshotClock: SnapshotClock = {
        startsAt,
        next() {
          const at = peek();
          if (at !== null) pos++;
          return at;
        },
        delayMs() {
          const at = rc.speed === null ? null : peek();
          if (at === null) return 0;
          const wall = now();
          // A day's first instant (and the first of all) is due now; the next ones their gap ÷ speed later.
          const sameDay = lastAt === lastAt && istDate(lastAt) === istDate(at);
          dueWall = sameDay ? dueWall + (at - lastAt) / rc.speed! : wall;
          lastAt = at;
          // Behind schedule: no wait, and the schedule is not moved (the replay catches up).
          return Math.max(0, dueWall - wall);
        },
      };
      return { provider: createReplayProvider({ day, recompute: rc.recompute }), snapshotClock, market: "own" };
    },
  };
}
