/**
 * Reused batches: a cycle's ChainBatch is built in the leg arrays of an earlier batch that no one
 * holds any more, instead of in fresh memory.
 *
 * Why: on the machines G6 is measured on, the first touch of fresh memory costs far more than the
 * work done on it. `createBatch` NaN-fills 15 fresh leg arrays every cycle (12.7 MB at the
 * `universe` preset's ~106,000 legs: 65–150 ms on the main thread, the largest serial piece of a
 * pooled cycle); filling the same arrays again takes about 0.5 ms.
 *
 * Ownership: a batch from `acquire` starts with one hold (its acquirer's). Whoever keeps it past
 * the moment it was handed over takes a hold with `retainBatch` and gives it back with
 * `releaseBatch` when done; when the last hold is released, the batch's leg arrays go back to
 * its pool, and a later `acquire` overwrites them. In the engine (src/engine/engine.ts):
 * - the cycle's own hold becomes the published hold (the latest state, the metrics' detail
 *   series, the server's /status all read the newest published cycle): released when the next
 *   cycle is published;
 * - each running sink holds every cycle handed to it until it finished, dropped or spooled it;
 * - a caller of the app's `onCycle` that keeps results holds them for good (the app retains on
 *   its behalf unless it says it does not keep them: `AppOptions.keepsResults`).
 * A batch not from a pool (`createBatch`) ignores holds: nothing reuses it.
 *
 * Shared memory: every array lives in a SharedArrayBuffer, so the worker pool computes a range
 * of a batch's groups in place (src/chain/shard.ts `shardMessage`): no shard is copied out,
 * transferred or merged back. A batch is written by workers only while the cycle that acquired it
 * runs its compute (the pool waits for every job, and for a timed-out worker to be gone, before
 * the cycle goes on), so the holds below are the whole lifetime rule.
 *
 * Decisions: the leg and group arrays are reused (labels are small, and fresh);
 * a free batch fits a request of L legs when its capacity is at least L and at most twice L (the
 * smallest such one is taken); a fresh batch gets 1/16 headroom so a chain that grows by a few
 * strikes still fits. At most MAX_FREE free batches are kept (the rest are left to the collector).
 * Releasing more often than retained throws: it would let a batch be overwritten while held.
 */
import { assembleBatch, type ChainBatch, type GroupSpec, LEG_INPUT_FIELDS, LEG_OUTPUT_FIELDS, layoutBatch } from "./batch.ts";

/** Per-leg Float64 fields (NaN-filled before each use). */
const LEG_F64 = [...LEG_INPUT_FIELDS, ...LEG_OUTPUT_FIELDS] as const;
type LegF64 = (typeof LEG_F64)[number];

/** Per-group Float64 fields. */
const GROUP_F64 = ["g_spot", "g_atm", "g_T", "g_df", "g_forward"] as const;
type GroupF64 = (typeof GROUP_F64)[number];

/**
 * The memory behind one batch, shared with the compute workers: capacity in legs and one buffer
 * per per-leg array; capacity in groups and one buffer per per-group array (replaced, small, when
 * a batch has more groups).
 */
type Backing = {
  capacity: number;
  f64: Record<LegF64, SharedArrayBuffer>;
  group: SharedArrayBuffer;
  isCall: SharedArrayBuffer;
  ivSource: SharedArrayBuffer;
  ivFail: SharedArrayBuffer;
  groups: GroupBacking;
};
type GroupBacking = { capacity: number; f64: Record<GroupF64, SharedArrayBuffer>; start: SharedArrayBuffer; end: SharedArrayBuffer; forwardSource: SharedArrayBuffer };

type Lease = { holds: number; backing: Backing; pool: PoolState };
type PoolState = { free: Backing[]; stats: BatchPoolStats };

const MAX_FREE = 2;
const leases = new WeakMap<ChainBatch, Lease>();

export type BatchPoolStats = {
  /** Batches built in fresh memory. */
  created: number;
  /** Batches built in the memory of a released one. */
  reused: number;
  /** Batches of this pool with at least one hold now. */
  held: number;
  /** Released batches waiting to be reused. */
  free: number;
};

export type BatchPool = {
  /** A batch for `specs` (as `createBatch` makes it: strikes, sides, groups set, every quote NaN), with one hold. */
  acquire(specs: readonly GroupSpec[]): ChainBatch;
  readonly stats: Readonly<BatchPoolStats>;
};

function freshGroups(groups: number): GroupBacking {
  const capacity = Math.max(16, groups + (groups >> 2));
  const f64 = {} as Record<GroupF64, SharedArrayBuffer>;
  for (const f of GROUP_F64) f64[f] = new SharedArrayBuffer(capacity * 8);
  return { capacity, f64, start: new SharedArrayBuffer(capacity * 4), end: new SharedArrayBuffer(capacity * 4), forwardSource: new SharedArrayBuffer(capacity) };
}

function freshBacking(legs: number, groups: number): Backing {
  const capacity = legs + (legs >> 4);
  const f64 = {} as Record<LegF64, SharedArrayBuffer>;
  for (const f of LEG_F64) f64[f] = new SharedArrayBuffer(capacity * 8);
  const u8 = () => new SharedArrayBuffer(capacity);
  return { capacity, f64, group: new SharedArrayBuffer(capacity * 2), isCall: u8(), ivSource: u8(), ivFail: u8(), groups: freshGroups(groups) };
}

export function createBatchPool(): BatchPool {
  const stats: BatchPoolStats = { created: 0, reused: 0, held: 0, free: 0 };
  const state: PoolState = { free: [], stats };

  const take = (legs: number, groups: number): Backing => {
    let best = -1;
    for (let i = 0; i < state.free.length; i++) {
      const c = state.free[i]!.capacity;
      if (c >= legs && c <= 2 * legs && (best < 0 || c < state.free[best]!.capacity)) best = i;
    }
    if (best < 0) {
      stats.created++;
      return freshBacking(legs, groups);
    }
    stats.reused++;
    const k = state.free.splice(best, 1)[0]!;
    if (k.groups.capacity < groups) k.groups = freshGroups(groups);
    return k;
  };

  return {
    acquire(specs) {
      let legs = 0;
      for (const s of specs) legs += 2 * s.strikes.length;
      const G = specs.length;
      const k = take(legs, G);
      const f64 = (f: LegF64) => new Float64Array(k.f64[f], 0, legs).fill(Number.NaN);
      const g64 = (f: GroupF64) => new Float64Array(k.groups.f64[f], 0, G).fill(Number.NaN);
      const batch = assembleBatch(
        legs,
        G,
        { index: specs.map((s) => s.index), tag: specs.map((s) => s.tag), expiry: specs.map((s) => s.expiry) },
        {
          group: new Uint16Array(k.group, 0, legs),
          isCall: new Uint8Array(k.isCall, 0, legs).fill(0),
          ivSource: new Uint8Array(k.ivSource, 0, legs).fill(0),
          ivFail: new Uint8Array(k.ivFail, 0, legs).fill(0),
          start: new Uint32Array(k.groups.start, 0, G).fill(0),
          end: new Uint32Array(k.groups.end, 0, G).fill(0),
          forwardSource: new Uint8Array(k.groups.forwardSource, 0, G).fill(0),
          strike: f64("strike"),
          last: f64("last"),
          avg: f64("avg"),
          bid: f64("bid"),
          ask: f64("ask"),
          volume: f64("volume"),
          oi: f64("oi"),
          netChange: f64("netChange"),
          quoteTime: f64("quoteTime"),
          iv: f64("iv"),
          delta: f64("delta"),
          gamma: f64("gamma"),
          theta: f64("theta"),
          vega: f64("vega"),
          rho: f64("rho"),
          g_spot: g64("g_spot"),
          g_atm: g64("g_atm"),
          g_T: g64("g_T"),
          g_df: g64("g_df"),
          g_forward: g64("g_forward"),
        },
      );
      layoutBatch(batch, specs);
      leases.set(batch, { holds: 1, backing: k, pool: state });
      stats.held++;
      return batch;
    },
    get stats() {
      stats.free = state.free.length;
      return stats;
    },
  };
}

/** Takes one more hold on `batch` (no effect on a batch not from a pool). */
export function retainBatch(batch: ChainBatch): void {
  const lease = leases.get(batch);
  if (!lease) return;
  if (lease.holds <= 0) throw new Error("retainBatch: the batch was already released (its memory may be reused)");
  lease.holds++;
}

/**
 * Gives one hold on `batch` back; the last one returns its leg arrays to its pool (no effect on a
 * batch not from a pool). Throws when released more often than held.
 */
export function releaseBatch(batch: ChainBatch): void {
  const lease = leases.get(batch);
  if (!lease) return;
  if (lease.holds <= 0) throw new Error("releaseBatch: released more often than held");
  if (--lease.holds > 0) return;
  lease.pool.stats.held--;
  if (lease.pool.free.length < MAX_FREE) lease.pool.free.push(lease.backing);
}

/** The holds on `batch` now (null: not from a pool). */
export function batchHolds(batch: ChainBatch): number | null {
  return leases.get(batch)?.holds ?? null;
}
