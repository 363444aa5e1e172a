/**
 * The InfluxDB sink runs the sink conformance suite against a loopback server speaking the v2
 * write path (through the official client), which stores points as InfluxDB does: a repeated
 * point overwrites itself, so its "bytes on disk" are those of the distinct lines stored.
 */
import { afterAll } from "bun:test";
import { join } from "node:path";
import { createInfluxSink } from "../../src/sinks/influx/sink.ts";
import { sinkConformance } from "../conformance/sink.case.ts";
import { startFakeInflux } from "../fakes/influx.ts";

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
      sink: createInfluxSink({
        url: server.url,
        api: "v2",
        org: "",
        bucket: "g6",
        database: "g6",
        retentionPolicy: "",
        token: null,
        username: null,
        password: null,
        timeoutMs: 5000,
        gzip: true,
        batchLines: 5000,
        deadLetterFile: join(dir, "dead.lp"),
      }),
      bytesOnDisk: () => server.bytes(),
    };
  },
  // A write is one target (the server); a fault stops the whole write (a SinkError), never one file.
  { lacks: ["target_faults"] },
);
