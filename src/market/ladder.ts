/** Strike ladders around the at-the-money strike, and G6 strike offset names. */

function checkStep(step: number): void {
  if (!(step > 0) || !Number.isFinite(step)) throw new Error(`invalid strike step ${step} (expected a positive number)`);
}

/** Spot (index points) rounded to the nearest multiple of `step` points, halves up; NaN spot gives NaN. */
export function atmStrike(spot: number, step: number): number {
  checkStep(step);
  return Math.floor(spot / step + 0.5) * step + 0;
}

/** Ascending strikes [atm − below·step, …, atm + above·step] (points), length below + above + 1. */
export function strikeLadder(atm: number, step: number, below: number, above: number): Float64Array {
  checkStep(step);
  for (const [name, n] of [["below", below], ["above", above]] as const) {
    if (!Number.isInteger(n) || n < 0) throw new Error(`invalid strikes ${name} ${n} (expected a non-negative integer)`);
  }
  const out = new Float64Array(below + above + 1);
  for (let i = 0; i < out.length; i++) out[i] = atm + (i - below) * step;
  return out;
}

/** Offset of `strike` from `atm`, index points (positive above ATM). */
export function strikeOffset(strike: number, atm: number): number {
  return strike - atm + 0;
}

/** G6 offset directory name: "+50", "0", "-100"; throws on a non-finite offset. */
export function formatOffset(offset: number): string {
  if (!Number.isFinite(offset)) throw new Error(`invalid strike offset ${offset}`);
  if (offset === 0) return "0";
  return offset > 0 ? `+${offset}` : String(offset);
}
