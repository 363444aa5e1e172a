/** Network helpers for tests. */

/** A TCP port free at the time of asking (bound on 127.0.0.1, then released). */
export function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("") });
  const port = probe.port!;
  probe.stop(true);
  return port;
}
