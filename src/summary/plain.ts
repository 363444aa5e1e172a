/**
 * The plain renderer: one compact text block per cycle for logs, pipes and CI. It formats a
 * snapshot and computes nothing; `createPlainPrinter` prints a block only when its content
 * changed (ignoring the clock, cycle number, uptime and timings, which change every cycle).
 */
import { age, buildupShort, count, istClock, num, pct, signed, signedCompact, sinkFault, sourceWords } from "./format.ts";
import type { SummarySnapshot } from "./model.ts";

/** The lines of a snapshot that describe the market and health (no per-cycle counters). */
function stableLines(s: SummarySnapshot): string[] {
  const lines: string[] = [];
  for (const i of s.indices) {
    lines.push(
      `  ${i.index.padEnd(10)} ${num(i.spot).padStart(10)} ${signed(i.change).padStart(8)} (${pct(i.changePct, 2, true)})  atm ${num(i.atm, 0)}  legs ${count(i.legsCollected)}/${count(i.legsRequested)} ${pct(i.coverage, 0)}  ${i.status}${i.reason ? ` (${i.reason})` : ""}`,
    );
    for (const e of s.expiries.filter((x) => x.index === i.index)) {
      lines.push(
        `    ${e.tag.padEnd(10)} ${e.expiry}  pcr ${num(e.pcr)}  max pain ${num(e.maxPain, 0)} (${signed(e.maxPainDistance, 0)})  iv ${pct(e.atmIv)}  move ${pct(e.impliedMove, 2)}  ${e.scope} ${pct(e.aggregateCoverage, 0)}  oi ce ${signedCompact(e.callOiChange)} pe ${signedCompact(e.putOiChange)} ${buildupShort(e.callBuildup)}/${buildupShort(e.putBuildup)}  rr25 ${pct(e.rr25, 1, true)}  ivr ${num(e.ivRank, 0)}  S ${num(e.support, 0)} R ${num(e.resistance, 0)}  ${e.status}`,
      );
    }
  }
  for (const k of s.storage.sinks) {
    const fault = sinkFault(k);
    if (fault) lines.push(`  ! error ${k.name} ${fault}`);
  }
  for (const a of s.alerts.slice(-3)) lines.push(`  ! ${a.level} ${istClock(a.at)} ${a.message}`);
  return lines;
}

/** The full plain block of a snapshot (lines joined with "\n", no trailing newline). */
export function renderPlain(s: SummarySnapshot): string {
  const h = s.header;
  const p = s.performance;
  const st = s.storage;
  const market = h.marketOpen ? "OPEN" : `CLOSED, next open ${istClock(h.nextOpen)}`;
  const head = `[g6] ${istClock(h.clock)} ${market} | ${h.provider} auth ${h.auth} | #${count(h.cycle)} every ${count(h.intervalSeconds)}s | up ${age(h.uptimeSeconds)} | ${h.status}${s.source ? ` | ${sourceWords(s.source).join(", ")}` : ""}`;
  const ages = s.indices.map((i) => `${i.index} ${age(i.dataAgeSeconds)}`).join(", ");
  const perf = `  perf last ${num(p.lastMs, 1)} ms, p50 ${num(p.p50Ms, 1)} p95 ${num(p.p95Ms, 1)} over ${count(p.windowCycles)} | budget ${pct(p.budgetUsed, 0)} | overruns ${count(p.overruns)} | pool ${count(p.poolWorkers)} workers, ${count(p.poolRestarts)} restarts${p.loadShed?.length ? ` | load shed ${p.loadShed.join(", ")}` : ""}`;
  const storage = `  storage rows ${count(st.rows)} | points ${count(st.points)} | lag ${num(st.lagMs, 1)} ms | errors ${count(st.errors)} | data age ${ages || "-"}`;
  return [head, ...stableLines(s), perf, storage].join("\n");
}

export type PlainPrinter = {
  /** Prints the snapshot's block if it differs from the last one printed; returns whether it did. */
  show(s: SummarySnapshot): boolean;
};

/** A printer writing blocks through `write` (which receives whole lines ending in "\n"). */
export function createPlainPrinter(write: (text: string) => void): PlainPrinter {
  let lastKey = "";
  return {
    show(s) {
      // The source's kind, place and freshness are in the key (a switch to the file or to stale
      // prints a block); its age is not, as it changes every second.
      const src = s.source ? `${s.source.kind}|${s.source.location}|${s.source.freshness}` : "";
      const key = `${s.header.status}|${s.header.marketOpen}|${s.header.auth}|${s.storage.errors}|${src}|${stableLines(s).join("\n")}`;
      if (key === lastKey) return false;
      lastKey = key;
      write(`${renderPlain(s)}\n`);
      return true;
    },
  };
}
