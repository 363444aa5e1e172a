/**
 * Coalescing background work, for the fsyncs that make a sink's latest files durable off the
 * cycle path. `request()` asks for `job` to run after the latest change; at most one run is
 * under way, and any requests made during a run cause exactly one more run after it (the job
 * always syncs the newest state, so intermediate ones need no run of their own). A failure is
 * kept until `takeFailure` or `settle` hands it over, so none is lost.
 */
export type BackgroundWork = {
  /** Schedules a run of the job (returns at once). */
  request(): void;
  /** Resolves once no run is under way or requested; throws the first failure not yet taken. */
  settle(): Promise<void>;
  /** The first failure not yet taken (null: none), and forgets it. */
  takeFailure(): Error | null;
};

export function createBackgroundWork(job: () => Promise<void>): BackgroundWork {
  let requested = false;
  let running: Promise<void> | null = null;
  let failure: Error | null = null;

  const loop = async () => {
    while (requested) {
      requested = false;
      try {
        await job();
      } catch (err) {
        failure ??= err instanceof Error ? err : new Error(String(err));
      }
    }
  };
  const start = () => {
    running = loop().finally(() => {
      running = null;
      // A request made after the loop's last check but before this callback ran.
      if (requested) start();
    });
  };
  const take = () => {
    const f = failure;
    failure = null;
    return f;
  };

  return {
    request() {
      requested = true;
      if (!running) start();
    },
    async settle() {
      while (running) await running;
      const f = take();
      if (f) throw f;
    },
    takeFailure: take,
  };
}
