/**
 * Waits until `ready()` holds, polling every 10 ms, and throws after `timeoutMs` naming what was
 * awaited. For tests that observe background work (a running sink's retry, a queue draining):
 * a fixed sleep is either slow or, on a loaded machine, too short.
 */
export async function eventually(what: string, ready: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!ready()) {
    if (performance.now() > deadline) throw new Error(`still waiting after ${timeoutMs} ms for ${what}`);
    await Bun.sleep(10);
  }
}
