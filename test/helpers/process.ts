/** A real `g6` process for end-to-end tests: spawn it, read its output as it comes, signal it. */
import { join } from "node:path";

export const CLI = join(import.meta.dir, "../../src/cli.ts");

export type G6Process = {
  proc: Bun.Subprocess<"ignore", "pipe", "pipe">;
  /** stdout and stderr so far, interleaved in arrival order. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects after `timeoutMs` or when the process ends without it. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The HTTP API's base URL, from the "HTTP API on …" line (needs log level info or lower). */
  url(timeoutMs?: number): Promise<string>;
  /** Exit status; kills with SIGKILL after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number>;
};

export function spawnG6(args: string[], env: Record<string, string> = {}): G6Process {
  const proc = Bun.spawn([process.execPath, CLI, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
    env: { ...process.env, NO_COLOR: "1", ...env },
  });
  let text = "";
  let ended = false;
  const waiters = new Set<() => void>();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      for (const w of waiters) w();
    }
  };
  const pumped = Promise.all([pump(proc.stdout), pump(proc.stderr)]).then(() => {
    ended = true;
    for (const w of waiters) w();
  });
  const waitFor = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = text.match(pattern);
        if (m) return finish(() => resolve(m));
        if (ended) finish(() => reject(new Error(`g6 ended without printing ${pattern}; output:\n${text}`)));
      };
      const timer = setTimeout(() => finish(() => reject(new Error(`no ${pattern} within ${timeoutMs} ms; output:\n${text}`))), timeoutMs);
      const finish = (fn: () => void) => {
        clearTimeout(timer);
        waiters.delete(check);
        fn();
      };
      waiters.add(check);
      check();
    });
  return {
    proc,
    output: () => text,
    waitFor,
    url: async (timeoutMs) => (await waitFor(/HTTP API on (http:\/\/\S+)/, timeoutMs))[1]!,
    async exited(timeoutMs = 20_000) {
      const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
      const code = await proc.exited;
      clearTimeout(timer);
      await pumped;
      return code;
    },
  };
}
