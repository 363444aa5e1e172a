/**
 * Test preload: g6 processes started by tests listen on an ephemeral port (server.port 0), so
 * they never collide with each other or with an engine already running on 9108.
 */
process.env.G6_SERVER__PORT ??= "0";
