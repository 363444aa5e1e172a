export { erf, erfc, erfcx, normCdf, normInv, normInvFast, normPdf } from "./normal.ts";
export { black76, bsm, greeks, normalizedOtmBlack } from "./black.ts";
export { DEFAULT_TICK, IV_FAILURE_REASONS, impliedVol, ivBatch, ivFailureReason, normalizedImpliedVol } from "./iv.ts";
export type { IvFailure } from "./iv.ts";
export { forwardFromParity } from "./forward.ts";
export type { ParityForward } from "./forward.ts";
export { argMaxStrike, atmIndex, impliedMove, ivAtDelta, maxPain, pcr, skew25, straddle } from "./aggregates.ts";
export type { Skew25 } from "./aggregates.ts";
