/** The InfluxDB sink (`storage.influx`) and its spool directory; see sink.ts and ../spool/disk-spool.ts. */
import type { G6Config } from "../../config/schema.ts";
import type { SinkFactory } from "../registry.ts";
import { underDataDir } from "../csv/sink.ts";
import { createInfluxSink, type InfluxSinkOptions } from "./sink.ts";

/** Where the InfluxDB sink's spool lives. */
export function influxSpoolDir(config: Readonly<G6Config>): string {
  return underDataDir(config.storage.data_dir, config.storage.influx.spool_dir);
}

/** The sink's options from `storage.influx` (the running sink's, and g6 ingest's with its own concurrency). */
export function influxSinkOptions(storage: Readonly<G6Config>["storage"], now: () => number): InfluxSinkOptions {
  const c = storage.influx;
  return {
    url: c.url,
    api: c.api,
    org: c.org,
    bucket: c.bucket,
    database: c.database,
    retentionPolicy: c.retention_policy,
    token: c.token,
    username: c.username,
    password: c.password,
    timeoutMs: c.timeout_ms,
    gzip: c.gzip,
    batchLines: c.batch_lines,
    deadLetterFile: underDataDir(storage.data_dir, c.dead_letter_file),
    now,
  };
}

export const influxSinkFactory: SinkFactory = {
  name: "influx",
  enabled: (config) => config.storage.influx.enabled,
  create: ({ config: { storage }, now }) => createInfluxSink(influxSinkOptions(storage, now)),
};
