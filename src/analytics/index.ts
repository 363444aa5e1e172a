export { erf, erfc, erfcx, normCdf, normInv, normInvFast, normPdf } from "./normal.ts";
export { black76, bsm, greeks, normalizedOtmBlack } from "./black.ts";
export { DEFAULT_TICK, IV_FAILURE_REASONS, impliedVol, ivBatch, ivFailureReason, normalizedImpliedVol } from "./iv.ts";
export type { IvFailure } from "./iv.ts";
export { forwardFromParity } from "./forward.ts";
export type { ParityForward } from "./forward.ts";
export { argMaxStrike, atmIndex, BUILDUP_CLASSES, buildupCode, impliedMove, ivAtDelta, ivPercentile, ivRank, maxPain, pcr, resistanceStrike, skew25, straddle, supportStrike } from "./aggregates.ts";
export type { Buildup, Skew25 } from "./aggregates.ts";
