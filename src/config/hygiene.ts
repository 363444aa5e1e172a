/**
 * Configuration hygiene: unknown `G6_*` variables get a "did you mean" suggestion, deprecated
 * settings warn and name their replacement (their value moves there), removed settings are
 * errors. The lists come from the schema's own metadata (describe.ts).
 */
import type { SettingDoc } from "./describe.ts";

/** Edit distance between two strings (Levenshtein, O(n·m), small inputs only). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/** The closest known name to `name`, if it is close enough to be a likely typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  // A name that extends a known one ("G6_INTERVAL_SECONDS") most likely meant it.
  const extended = candidates.filter((c) => name.startsWith(`${c}_`)).sort((a, b) => b.length - a.length)[0];
  if (extended) return extended;
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 4)) ? best : undefined;
}

/** The warning for an unknown `G6_*` variable. */
export function unknownEnvWarning(name: string, settings: readonly SettingDoc[]): string {
  const suggestion = closest(name, settings.filter((s) => s.stage !== "removed").map((s) => s.env));
  return `environment ${name} matches no setting${suggestion ? ` (did you mean ${suggestion}?)` : ""}; ignored`;
}
