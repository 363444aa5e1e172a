/**
 * The simulator's settings (`provider.sim`): its own strict schema, composed into the root
 * schema by src/config/providers.ts. Imports only the field builders, so the root schema can
 * include it without a cycle.
 */
import * as v from "valibot";
import { field, group } from "../../config/fields.ts";
import { isValidIsoDate } from "../../market/ist.ts";

const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}))?$/;
/** YYYY-MM-DD or YYYY-MM-DDTHH:MM, both parts real (no 2026-02-30, no 24:00). */
function isRealDateTime(s: string): boolean {
  const m = ISO_DATE_TIME.exec(s);
  return m === null || (isValidIsoDate(m[1]!) && (m[2] === undefined || /^([01]\d|2[0-3]):[0-5]\d$/.test(m[2])));
}

/** The `provider.sim` group: seed, session start and step, listing rules, fault injection. */
export const SimSettings = group(
  {
    seed: field(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(2 ** 32 - 1)), 1, "Simulator seed."),
    start: field(
      v.nullable(
        v.pipe(
          v.string(),
          v.regex(ISO_DATE_TIME, "YYYY-MM-DD or YYYY-MM-DDTHH:MM (IST)"),
          v.check(isRealDateTime, "a real calendar date and time"),
        ),
      ),
      null,
      "Simulated session start (IST). null: 09:15 of the current or last trading day.",
    ),
    clock: field(
      v.picklist(["session", "wall"]),
      "session",
      'Snapshot instants. "session": the simulated session clock (start, step_seconds), any hour of the day, never idle. "wall": the wall clock on the interval grid, idling outside the market session as a live provider does (market.force_open applies; start and step_seconds do not).',
    ),
    step_seconds: field(
      v.nullable(v.pipe(v.number(), v.minValue(1), v.maxValue(3600))),
      null,
      "Simulated time advanced per cycle. null: the interval (60 s when the interval is 0).",
      { unit: "seconds" },
    ),
    listed_weeks: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(26)), 6, "Weekly expiries listed ahead.", {
      unit: "weeks",
    }),
    listed_months: field(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(24)), 3, "Monthly expiries listed ahead.", {
      unit: "months",
    }),
    strike_range: field(v.pipe(v.number(), v.gtValue(0), v.maxValue(0.6)), 0.15, "Listed strikes span spot·(1 ± this) at the day's open.", {
      unit: "fraction",
    }),
    faults: group(
      {
        missing_rate: field(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0, "Fraction of legs returned with no quote.", { unit: "fraction" }),
        zero_price_rate: field(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0, "Fraction of legs quoted with zero prices, as some feeds send for untraded contracts (G6 treats them as missing).", { unit: "fraction" }),
        stale_rate: field(v.pipe(v.number(), v.minValue(0), v.maxValue(1)), 0, "Fraction of legs whose quote is from the session open (stale).", { unit: "fraction" }),
        latency_ms: field(v.pipe(v.number(), v.minValue(0), v.maxValue(60_000)), 0, "Added latency per quote request.", { unit: "milliseconds" }),
      },
      "Simulator fault injection.",
    ),
  },
  "Simulated market provider.",
);
