/**
 * Test preload.
 * - g6 processes started by tests listen on an ephemeral port (server.port 0), so they never
 *   collide with each other or with an engine already running on 9108.
 * - The per-test timeout: Bun reads it from `--timeout` or from setDefaultTimeout, not from
 *   bunfig.toml, so it is set here. End-to-end tests that start real processes and servers
 *   need more than Bun's 5 s default; each can still pass its own.
 */
import { setDefaultTimeout } from "bun:test";

export const TEST_TIMEOUT_MS = 60_000;

process.env.G6_SERVER__PORT ??= "0";
setDefaultTimeout(TEST_TIMEOUT_MS);
