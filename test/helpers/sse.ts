/** A minimal Server-Sent Events client over fetch, for tests: reads events as they arrive. */

export type SseMessage = { id: string | null; event: string; data: string };

export type SseClient = {
  readonly status: number;
  /** The next event (comments and retry lines skipped); rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseMessage>;
  /** Reads until an event of type `event` arrives; returns it and those skipped. */
  until(event: string, timeoutMs?: number): Promise<SseMessage>;
  close(): void;
};

export async function connectSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const controller = new AbortController();
  const res = await fetch(url, { headers: { accept: "text/event-stream", ...headers }, signal: controller.signal });
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const queue: SseMessage[] = [];

  async function fill(deadline: number): Promise<void> {
    if (!reader) throw new Error(`no body (HTTP ${res.status})`);
    while (queue.length === 0) {
      const left = deadline - performance.now();
      if (left <= 0) throw new Error("timed out waiting for an SSE event");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out waiting for an SSE event")), left);
      });
      const chunk = await Promise.race([reader.read(), timeout]).finally(() => clearTimeout(timer));
      if (chunk.done) throw new Error("SSE stream ended");
      buffer += decoder.decode(chunk.value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const msg: SseMessage = { id: null, event: "message", data: "" };
        let hasData = false;
        for (const line of block.split("\n")) {
          if (line.startsWith("id: ")) msg.id = line.slice(4);
          else if (line.startsWith("event: ")) msg.event = line.slice(7);
          else if (line.startsWith("data: ")) {
            msg.data += line.slice(6);
            hasData = true;
          }
        }
        if (hasData) queue.push(msg);
      }
    }
  }

  const client: SseClient = {
    status: res.status,
    async next(timeoutMs = 5000) {
      await fill(performance.now() + timeoutMs);
      return queue.shift()!;
    },
    async until(event, timeoutMs = 5000) {
      const deadline = performance.now() + timeoutMs;
      for (;;) {
        await fill(deadline);
        const msg = queue.shift()!;
        if (msg.event === event) return msg;
      }
    },
    close() {
      controller.abort();
    },
  };
  return client;
}
