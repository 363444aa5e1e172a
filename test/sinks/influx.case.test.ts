/**
 * The InfluxDB sink runs the sink conformance suite against a loopback server speaking the v2
 * write path (through the official client), which stores points as InfluxDB does: a repeated
 * point overwrites itself, so its "bytes on disk" are those of the distinct lines stored.
 */
import { afterAll } from "bun:test";
import { join } from "node:path";
import { createInfluxSink } from "../../src/sinks/influx/sink.ts";
import { sinkConformance } from "../conformance/sink.case.ts";
import { influxSinkOptions, startFakeInflux } from "../fakes/influx.ts";

const servers: { stop(): void }[] = [];
afterAll(() => {
  for (const s of servers) s.stop();
});

sinkConformance(
  "influx",
  (dir) => {
    const server = startFakeInflux();
    servers.push(server);
    return {
      sink: createInfluxSink(influxSinkOptions(server.url, join(dir, "dead.lp"), { org: "", token: null, timeoutMs: 5000, gzip: true })),
      bytesOnDisk: () => server.bytes(),
    };
  },
  // A write is one target (the server); a fault stops the whole write (a SinkError), never one file.
  { lacks: ["target_faults"] },
);
