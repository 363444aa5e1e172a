/**
 * Test preload: g6 processes started by tests listen on an ephemeral port (server.port 0), so
 * they never collide with each other or with an engine already running on 9108.
 *
 * The per-test timeout (60 s: end-to-end tests start real processes and servers) is the
 * `--timeout 60000` of `npm test`: Bun reads no bunfig key for it, and setDefaultTimeout in a
 * preload applies to the first test file only.
 */
import { afterAll } from "bun:test";
import { removeTempDirs } from "./helpers/temp.ts";

process.env.G6_SERVER__PORT ??= "0";

// Once, after every test file has run (a preload's afterAll): the temp dirs the helpers made.
afterAll(removeTempDirs);
