/**
 * The replay provider's settings (`provider.replay`): its own strict schema, composed into the
 * root schema by src/config/providers.ts. Which days to replay is checked when the provider is
 * built (src/providers/replay/factory.ts): a path that is not a directory, a date and a range
 * both given, or a day without files is a configuration error naming the path and the date.
 */
import * as v from "valibot";
import { field, group } from "../../config/fields.ts";
import { isValidIsoDate } from "../../market/ist.ts";

const isoDate = v.nullable(v.pipe(v.string(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "YYYY-MM-DD"), v.check(isValidIsoDate, "a real calendar date")));

/** The `provider.replay` group: where the recording is, which days, how fast, and whether analytics are re-derived. */
export const ReplaySettings = group(
  {
    path: field(
      v.nullable(v.pipe(v.string(), v.minLength(1))),
      null,
      "A G6 CSV tree to replay: the base directory holding overview/ and the option files, in either of G6's layouts (g6, expiry_v1) or the Python G6's (its CRLF, 0-for-missing, 30 s files). Required with provider.kind \"replay\"; must not be the CSV directory this run writes. CLI: --replay.",
    ),
    date: field(isoDate, null, "The recorded day to replay (IST date). Give this or from/to. CLI: --replay-date."),
    from: field(isoDate, null, "First day of a range to replay (IST date); days without files are passed over. With to; instead of date."),
    to: field(isoDate, null, "Last day of the range (inclusive). With from."),
    speed: field(
      v.nullable(v.pipe(v.number(), v.gtValue(0), v.maxValue(100_000))),
      null,
      "Real-time factor: each recorded instant is replayed (its recorded gap to the previous one) ÷ speed after the previous one, 1 = as recorded, 60 = a minute a second; the gap between two days counts as none. null: cycles follow the interval alone (interval 0: as fast as possible). With a speed, set interval 0: a cycle otherwise also waits for its interval tick. CLI: --replay-speed.",
      { unit: "factor" },
    ),
    recompute: field(
      v.boolean(),
      false,
      "Re-derive IV and Greeks from the recorded prices with G6's analytics (time to the IST close, parity forward, NaN when unidentifiable) instead of keeping the recorded ones. false: the recorded values are kept, so replaying a G6 recording reproduces its rows byte for byte. CLI: --recompute.",
    ),
  },
  "Replay of a recorded G6 CSV tree (provider.kind \"replay\"): its recorded instants are the snapshot clock and the run ends after the last.",
);
