/**
 * Every compute kernel the worker pool can run, by job kind: the engine's and the providers'.
 * The worker entry (workers/compute.ts) and the pool's inline fallback (src/app.ts) use this
 * one table, so a job runs the same code wherever it runs.
 */
import { ENGINE_KERNELS, type Kernels } from "./engine/jobs.ts";
import { SIM_KERNELS } from "./providers/sim/kernel.ts";

export const COMPUTE_KERNELS: Kernels = { ...ENGINE_KERNELS, ...SIM_KERNELS };
