/**
 * `storage.influx`: the InfluxDB sink's settings (src/sinks/influx/), composed into the root
 * schema's storage group. Kept in its own module so the root schema stays a list of groups; it
 * imports only the field builders. Credentials are secrets (environment or secrets file only).
 */
import * as v from "valibot";
import { field, group } from "./fields.ts";

const Name = v.pipe(v.string(), v.minLength(1));
const Ms = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max));

export const INFLUX_APIS = ["v2", "v1"] as const;
export const SPOOL_FULL_POLICIES = ["drop_oldest", "pause_collection"] as const;

export const InfluxSettings = group(
  {
    enabled: field(v.boolean(), false, "Write every cycle to InfluxDB (option_data, options_overview and options_expiry), through a durable spool on disk."),
    url: field(
      v.pipe(v.string(), v.url("a URL such as http://127.0.0.1:8086")),
      "http://127.0.0.1:8086",
      "Base URL of the server (InfluxDB 1.x/2.x/3.x or a compatible one such as VictoriaMetrics).",
    ),
    api: field(
      v.picklist(INFLUX_APIS),
      "v2",
      "v2: POST /api/v2/write?org=&bucket=&precision=ms (InfluxDB 2.x/3.x, VictoriaMetrics), with the official client. v1: POST /write?db=&precision=ms (InfluxDB 1.x).",
    ),
    org: field(v.string(), "", "Organisation (api v2; empty for servers that ignore it)."),
    bucket: field(Name, "g6", "Bucket (api v2)."),
    database: field(Name, "g6", "Database (api v1)."),
    retention_policy: field(v.string(), "", "Retention policy (api v1; empty: the database's default)."),
    token: field(v.nullable(Name), null, "API token (api v2: Authorization: Token …). Set it with G6_STORAGE__INFLUX__TOKEN.", { secret: true }),
    username: field(v.nullable(Name), null, "User name (api v1 with authentication). Set it with G6_STORAGE__INFLUX__USERNAME.", { secret: true }),
    password: field(v.nullable(Name), null, "Password (api v1 with authentication). Set it with G6_STORAGE__INFLUX__PASSWORD.", { secret: true }),
    batch_lines: field(v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(1_000_000)), 5000, "Most lines in one write request; a cycle with more is sent in several. Each cycle is sent as soon as it is spooled: nothing waits in memory for a flush.", {
      unit: "lines",
    }),
    timeout_ms: field(Ms(600_000), 10_000, "Deadline of one write request (connect, send, answer); past it the batch is kept and retried.", { unit: "milliseconds" }),
    gzip: field(v.boolean(), true, "Compress request bodies (Content-Encoding: gzip)."),
    spool_dir: field(Name, "influx_spool", "Spool directory (relative to data_dir unless absolute): cycles not yet accepted by the server, durable across restarts."),
    spool_max_mb: field(v.pipe(v.number(), v.minValue(1), v.maxValue(1_048_576)), 1024, "Disk cap of the spool.", { unit: "MiB" }),
    spool_when_full: field(
      v.picklist(SPOOL_FULL_POLICIES),
      "drop_oldest",
      "At the cap: drop_oldest drops the oldest waiting cycles (counted as dropped, with an error line); pause_collection stops taking new cycles, so collection waits (the sink shows failing) until the server accepts again.",
    ),
    dead_letter_file: field(
      Name,
      "influx_dead_letter.lp",
      "Lines the server refused for good (a type conflict, a bad value), each after a comment with the server's message (relative to data_dir unless absolute).",
    ),
  },
  "InfluxDB sink: lines in the Python G6's schema, sent off the cycle's critical path; every cycle is appended to a spool on disk and fsynced before it counts as accepted, and stays there until the server accepted it.",
);
