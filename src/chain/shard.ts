/**
 * Sharding and transport of ChainBatch data: whole groups are cut into contiguous shards. A
 * batch in shared memory (the batch pool's) is computed in place: a job carries the batch's
 * shared arrays and its range of groups. Any other batch's shard is copied into typed arrays
 * whose buffers are transferred to a worker (never cloned as objects), and the worker's output
 * arrays are merged back. A group is never split, so every
 * computation that reads a group's legs sees them all and results do not depend on sharding.
 */
import { assembleBatch, GROUP_FIELDS, LEG_INPUT_FIELDS, LEG_OUTPUT_FIELDS, type BatchArrays, type ChainBatch } from "./batch.ts";
import { takeArray, type ArrayCtor } from "./recycle.ts";

export type TypedArray = Float64Array | Uint8Array | Uint16Array | Uint32Array;
export type ArrayMap = Record<string, TypedArray>;

/** Below this many legs a shard is not worth a worker round trip (measured break-even ~400–800 legs on 2 cores). */
export const MIN_SHARD_LEGS = 1000;

/** A contiguous range of groups [g0, g1) and its leg count. */
export type ShardRange = { g0: number; g1: number; legs: number };

/**
 * Cuts the batch's groups into at most `maxShards` contiguous ranges of roughly equal legs,
 * each with at least `minLegs` legs (a small batch is one shard).
 */
export function planShards(b: ChainBatch, maxShards: number, minLegs = MIN_SHARD_LEGS): ShardRange[] {
  const shards = Math.max(1, Math.min(maxShards, Math.floor(b.legs / minLegs)));
  if (b.groups === 0) return [];
  const target = b.legs / shards;
  const out: ShardRange[] = [];
  let g0 = 0;
  let legs = 0;
  for (let g = 0; g < b.groups; g++) {
    legs += b.end[g]! - b.start[g]!;
    const remainingShards = shards - out.length - 1;
    const remainingGroups = b.groups - g - 1;
    if (remainingShards > 0 && legs >= target && remainingGroups >= remainingShards) {
      out.push({ g0, g1: g + 1, legs });
      g0 = g + 1;
      legs = 0;
    }
  }
  if (g0 < b.groups) out.push({ g0, g1: b.groups, legs });
  return out;
}

/** Per-leg typed fields other than the Float64 inputs/outputs. */
const LEG_CODE_FIELDS = ["group", "isCall", "ivSource", "ivFail"] as const;
const GROUP_CODE_FIELDS = ["forwardSource"] as const;

/**
 * The serialised form of a (sub-)batch: small metadata plus typed arrays. With `range`, the
 * message is a whole batch in shared memory (see `sharedBatch`) and its job covers groups
 * [g0, g1) of it, writing its outputs in place: nothing is copied, transferred or merged.
 */
export type BatchMessage = { legs: number; groups: number; labels: ChainBatch["labels"]; arrays: ArrayMap; range?: { g0: number; g1: number } };

/** Every array field of a batch (what a shared message carries). */
const BATCH_ARRAY_FIELDS = ["group", "isCall", "ivSource", "ivFail", "start", "end", "forwardSource", ...LEG_INPUT_FIELDS, ...LEG_OUTPUT_FIELDS, ...GROUP_FIELDS.map((f) => `g_${f}` as const)] as const;

/**
 * True when every array of the batch lives in a SharedArrayBuffer (a batch from the batch
 * pool, src/chain/batch-pool.ts): a worker can then compute a range of its groups in place.
 */
export function sharedBatch(b: ChainBatch): boolean {
  for (const f of BATCH_ARRAY_FIELDS) if (!(b[f].buffer instanceof SharedArrayBuffer)) return false;
  return true;
}

/**
 * The message for a job over groups [g0, g1) of `b`: the whole batch's shared arrays and the
 * range when the batch is shared (posting a view of a SharedArrayBuffer shares its memory),
 * else a copy of the range carrying `legFields` (extractShard).
 */
export function shardMessage(b: ChainBatch, g0: number, g1: number, legFields: readonly LegField[]): BatchMessage {
  if (!sharedBatch(b)) return extractShard(b, g0, g1, legFields);
  const arrays: ArrayMap = {};
  for (const f of BATCH_ARRAY_FIELDS) arrays[f] = b[f];
  return { legs: b.legs, groups: b.groups, labels: b.labels, arrays, range: { g0, g1 } };
}

/** The groups a message's job covers: its range, else every group of the (copied) shard. */
export function messageRange(m: BatchMessage): { g0: number; g1: number } {
  return m.range ?? { g0: 0, g1: m.groups };
}

/** Leg fields a job reads: enrichment reads prices; quote generation reads only the ladder. */
export const ENRICH_INPUTS = ["strike", "isCall", "last", "bid", "ask"] as const;
export const QUOTE_INPUTS = ["strike", "isCall"] as const;
type LegField = (typeof LEG_INPUT_FIELDS)[number] | (typeof LEG_OUTPUT_FIELDS)[number] | (typeof LEG_CODE_FIELDS)[number];

/**
 * Copies groups [g0, g1) into a standalone batch message (group numbers and leg offsets
 * rebased), carrying only the leg fields in `legFields` plus the group layout; the receiver
 * allocates the rest (see batchFromMessage). Shipping only what a job reads keeps the copy
 * small: at 100,000 legs each Float64 field is 0.8 MB.
 */
export function extractShard(b: ChainBatch, g0: number, g1: number, legFields: readonly LegField[]): BatchMessage {
  const l0 = b.start[g0]!;
  const l1 = g1 > g0 ? b.end[g1 - 1]! : l0;
  const arrays: ArrayMap = {};
  // Leg fields are cut into recycled buffers (see recycle.ts): fresh memory costs more than the copy.
  for (const f of legFields) {
    const src = b[f];
    const dst = takeArray(src.constructor as unknown as ArrayCtor<TypedArray>, l1 - l0);
    dst.set(src.subarray(l0, l1) as never);
    arrays[f] = dst;
  }
  for (const f of GROUP_FIELDS) arrays[`g_${f}`] = b[`g_${f}`].slice(g0, g1);
  const start = b.start.slice(g0, g1);
  const end = b.end.slice(g0, g1);
  for (let g = 0; g < start.length; g++) {
    start[g] = start[g]! - l0;
    end[g] = end[g]! - l0;
  }
  arrays.start = start;
  arrays.end = end;
  return {
    legs: l1 - l0,
    groups: g1 - g0,
    labels: { index: b.labels.index.slice(g0, g1), tag: b.labels.tag.slice(g0, g1), expiry: b.labels.expiry.slice(g0, g1) },
    arrays,
  };
}

const EMPTY_F64 = new Float64Array(0);
const EMPTY_U8 = new Uint8Array(0);
const EMPTY_U16 = new Uint16Array(0);
const NAN_FILLED = new Set<string>([...LEG_INPUT_FIELDS, ...LEG_OUTPUT_FIELDS, "g_forward"]);

/**
 * A ChainBatch over a message's arrays (no copy). Of the fields the message lacks, those in
 * `outputs` (what the job writes) are allocated, NaN-filled where they hold market data; the
 * rest are empty arrays the job never reads, so a worker allocates only what it returns.
 */
export function batchFromMessage(m: BatchMessage, outputs: readonly string[]): ChainBatch {
  const a = m.arrays;
  for (const f of outputs) {
    if (a[f]) continue;
    const n = f.startsWith("g_") || f === "forwardSource" ? m.groups : m.legs;
    a[f] = NAN_FILLED.has(f) ? takeArray(Float64Array, n).fill(Number.NaN) : takeArray(Uint8Array, n).fill(0);
  }
  for (const f of [...LEG_INPUT_FIELDS, ...LEG_OUTPUT_FIELDS, "g_forward"]) a[f] ??= EMPTY_F64;
  for (const f of ["isCall", "ivSource", "ivFail", "forwardSource"]) a[f] ??= EMPTY_U8;
  a.group ??= EMPTY_U16;
  return assembleBatch(m.legs, m.groups, m.labels, a as unknown as BatchArrays);
}

/** The buffers to transfer for a set of arrays (each array has a buffer of its own; shared memory is not transferred). */
export function transferList(arrays: ArrayMap): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const a of Object.values(arrays)) if (!(a.buffer instanceof SharedArrayBuffer)) out.push(a.buffer as ArrayBuffer);
  return out;
}

/** Leg fields written by enrichment; group fields written by enrichment. */
export const ENRICH_LEG_OUTPUTS = [...LEG_OUTPUT_FIELDS, "ivSource", "ivFail"] as const;
export const ENRICH_GROUP_OUTPUTS = ["g_forward", "forwardSource"] as const;
/** Leg fields written by a provider's quotes. */
export const QUOTE_LEG_OUTPUTS = LEG_INPUT_FIELDS.filter((f) => f !== "strike");

/** Picks `fields` of a message's arrays (what a worker sends back; nothing for a shared message, written in place). */
export function pick(m: BatchMessage, fields: readonly string[]): ArrayMap {
  const out: ArrayMap = {};
  if (m.range) return out;
  const arrays = m.arrays;
  for (const f of fields) out[f] = arrays[f]!;
  return out;
}

/** Copies a shard's returned arrays into the batch at the shard's leg/group offsets. */
export function mergeShard(b: ChainBatch, range: ShardRange, arrays: ArrayMap): void {
  const l0 = b.start[range.g0]!;
  const target = b as unknown as ArrayMap;
  for (const [field, values] of Object.entries(arrays)) {
    // Outputs that are not batch fields (rendered rows) are the caller's to take.
    if (!(field in target)) continue;
    const isGroupField = field.startsWith("g_") || field === "forwardSource";
    (target[field] as TypedArray).set(values as never, isGroupField ? range.g0 : l0);
  }
}
