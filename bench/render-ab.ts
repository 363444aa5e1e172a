/**
 * The CSV row and InfluxDB line renderers of a git revision against the working tree's, side by
 * side in one process on one real cycle (simulator) of a preset: first byte identity of both
 * outputs, then alternated timings (min / median / max ms per render, rows/s and lines/s).
 *
 *   bun bench/render-ab.ts [--rev REV] [--preset universe] [--rounds 9]
 *
 * The revision's bytes.ts, rows.ts and influx lines.ts are copied into a temp directory with
 * their relative imports pointed back at the working tree (each other's at the copies).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { threadBuffers } from "../src/chain/recycle.ts";
import { ByteWriter } from "../src/g6csv/bytes.ts";
import { renderRowBodies } from "../src/g6csv/rows.ts";
import { encodeCycle, writeCycle } from "../src/sinks/influx/lines.ts";
import { formatG6Timestamp } from "../src/market/index.ts";
import { cycleOf } from "./kernels/influx.bench.ts";
import { percentile } from "./stats.ts";
import { tempDir } from "./support.ts";

const { values } = parseArgs({
  options: { rev: { type: "string", default: "HEAD" }, preset: { type: "string", default: "universe" }, rounds: { type: "string", default: "9" } },
});
const root = resolve(import.meta.dir, "..");
const FILES = ["src/g6csv/bytes.ts", "src/g6csv/rows.ts", "src/sinks/influx/lines.ts"];
const dir = tempDir("g6-render-ab-");
const copyOf = (f: string) => join(dir, f.replaceAll("/", "__"));
for (const f of FILES) {
  const text = execFileSync("git", ["-C", root, "show", `${values.rev}:${f}`], { encoding: "utf8" });
  const rewritten = text.replace(/from "(\.{1,2}\/[^"]+)"/g, (_, rel: string) => {
    const target = join(dirname(f), rel);
    return `from "${FILES.includes(target) ? copyOf(target) : join(root, target)}"`;
  });
  mkdirSync(dir, { recursive: true });
  writeFileSync(copyOf(f), rewritten);
}
const oldRows = (await import(copyOf("src/g6csv/rows.ts"))) as { renderRowBodies: typeof renderRowBodies };
const oldLines = (await import(copyOf("src/sinks/influx/lines.ts"))) as { encodeCycle: typeof encodeCycle; writeCycle: typeof writeCycle };

const result = await cycleOf(values.preset!);
const b = result.batch;
const stamp = formatG6Timestamp(result.at);
const rowsA = oldRows.renderRowBodies(b, 0, b.groups, stamp);
const rowsB = renderRowBodies(b, 0, b.groups, stamp);
const same = (x: Uint8Array, y: Uint8Array) => x.length === y.length && Buffer.compare(x, y) === 0;
const rowCount = rowsB.pairEnd.filter((e, i) => e !== (i ? rowsB.pairEnd[i - 1] : 0)).length;
const rowsSame = same(rowsA.bytes, rowsB.bytes) && rowsA.pairEnd.every((e, i) => e === rowsB.pairEnd[i]);
const linesA = oldLines.encodeCycle(result);
const linesB = encodeCycle(result);
const lineCount = linesB.reduce((n, c) => n + (c === 10 ? 1 : 0), 0);
console.log(`${values.preset}: ${b.legs} legs, ${rowCount} rows (${(rowsB.bytes.length / 1e6).toFixed(2)} MB), ${lineCount} lines (${(linesB.length / 1e6).toFixed(2)} MB)`);
console.log(`byte-identical to ${values.rev}: rows ${rowsSame}, lines ${same(linesA, linesB)}`);

const time = (fn: () => void) => {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
};
// Rows as the CSV sink has them: their recycled buffer is given back after each render (a
// fresh 15 MB buffer a render would be timed otherwise). Lines both ways: encodeCycle (the
// sink: a fresh buffer a cycle) and writeCycle into one reused writer (g6 ingest).
const rowsOf = (render: typeof renderRowBodies) => () => {
  const r = render(b, 0, b.groups, stamp);
  threadBuffers.give([r.bytes.buffer as ArrayBuffer]);
};
const writer = new ByteWriter(linesB.length + (1 << 20));
const intoWriter = (write: typeof writeCycle) => () => {
  writer.reset();
  write(result, writer);
};
const cases = {
  rows: [rowsOf(oldRows.renderRowBodies), rowsOf(renderRowBodies)],
  encodeCycle: [() => oldLines.encodeCycle(result), () => encodeCycle(result)],
  writeCycle: [intoWriter(oldLines.writeCycle), intoWriter(writeCycle)],
} as const;
const t = Object.fromEntries(Object.keys(cases).map((k) => [k, [[] as number[], [] as number[]]])) as Record<keyof typeof cases, [number[], number[]]>;
for (const fns of Object.values(cases)) for (let i = 0; i < 2; i++) for (const f of fns) f();
for (let r = 0; r < Number(values.rounds); r++) {
  for (const [name, fns] of Object.entries(cases) as [keyof typeof cases, readonly [() => void, () => void]][]) {
    const order = r % 2 === 0 ? [0, 1] : [1, 0];
    for (const k of order) t[name][k]!.push(time(fns[k]!));
  }
}
const show = (name: string, ms: number[], n: number, unit: string) => {
  const med = percentile(ms, 0.5);
  console.log(`  ${name.padEnd(24)} min ${Math.min(...ms).toFixed(1).padStart(6)}  median ${med.toFixed(1).padStart(6)}  max ${Math.max(...ms).toFixed(1).padStart(6)} ms   ${((n / med) * 1e3 / 1e6).toFixed(3)} M ${unit}/s (median)`);
};
for (const [name, [a, z]] of Object.entries(t)) {
  const [n, unit] = name === "rows" ? [rowCount, "rows"] : [lineCount, "lines"];
  show(`${name} ${values.rev}`, a, n, unit);
  show(`${name} new`, z, n, unit);
  console.log(`  ${name}: median ${values.rev}/new ${(percentile(a, 0.5) / percentile(z, 0.5)).toFixed(2)}x`);
}
rmSync(dir, { recursive: true, force: true });
