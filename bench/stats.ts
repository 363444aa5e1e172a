/** Small statistics helpers, the calibration loop and main-thread CPU time, shared by the benchmarks. */
import { readFileSync } from "node:fs";

/** The q-quantile (0..1) of the values, nearest rank. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * A fixed floating-point and array workload, timed best-of-`reps`, in ms. Workload times are
 * divided by it so that a baseline recorded on one machine (or at a quiet moment) gates another.
 */
export function calibrate(reps = 7): number {
  const data = new Float64Array(1 << 16);
  let best = Number.POSITIVE_INFINITY;
  let sink = 0;
  for (let rep = 0; rep < reps; rep++) {
    const t0 = performance.now();
    for (let pass = 0; pass < 40; pass++) {
      for (let i = 0; i < data.length; i++) {
        const x = (i + pass) * 1e-4;
        data[i] = Math.exp(-x) * Math.log1p(x) + Math.sqrt(x);
      }
      for (let i = 0; i < data.length; i++) sink += data[i]!;
    }
    best = Math.min(best, performance.now() - t0);
  }
  if (Number.isNaN(sink)) throw new Error("calibration produced NaN");
  return best;
}

/** Mean microseconds per call of fn over enough repetitions to last about `ms` (after 20 warm-up calls). */
export function timeIt(fn: () => void, ms: number): number {
  for (let i = 0; i < 20; i++) fn();
  let reps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    fn();
    reps++;
  }
  return ((performance.now() - t0) * 1000) / reps;
}

/**
 * User and system CPU ms so far of thread `tid` of this process, and its name (Linux
 * /proc/self/task/<tid>/stat, clock ticks of 10 ms); null when there is no such file (another
 * system, or a thread that has ended).
 */
export function threadCpu(tid: string | number): { name: string; user: number; system: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
  } catch {
    return null;
  }
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { name: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")), user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

/** CPU time of the main thread alone, ms (Linux /proc; NaN elsewhere): the single-core cost of a cycle. */
export function mainThreadCpuMs(): number {
  const t = threadCpu(process.pid);
  return t ? t.user + t.system : Number.NaN;
}
