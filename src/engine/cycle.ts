/**
 * One collection cycle: spot → plan → fetch → enrich → score. Emission (sinks, status) is the
 * engine's job; this function only produces the CycleResult. A provider failure does not throw
 * out of the cycle: it is recorded, and the affected data stays missing; only a `fatal`
 * ProviderError does (the engine stops).
 */
import { createBatch, type GroupSpec, rejectInvalidQuotes, type ChainBatch } from "../chain/batch.ts";
import { releaseBatch } from "../chain/batch-pool.ts";
import type { EnrichParams } from "../chain/enrich.ts";
import { scoreGroup, scoreIndex, type ExpirySummary, type IndexSummary } from "../chain/score.ts";
import type { G6Config } from "../config/schema.ts";
import { IV_FAILURE_REASONS } from "../analytics/index.ts";
import { createExchangeCalendars, expiryCoverageWarnings, type IndexName, istDate, resolveExpiry } from "../market/index.ts";
import type { EnrichOutput } from "./compute.ts";
import type { ListingCache } from "./listing.ts";
import { enabledIndices, planCycle, type PlanShed } from "./plan.ts";
import { applyTraderAnalytics, type TraderAnalytics } from "./trader-analytics.ts";
import { fetchChainLegs } from "./chain-fetch.ts";
import { capabilitiesOf, quoteTimesOf, type ComputeReport, type CycleError, errorMessage, type CycleResult, type Phase, type Provider, ProviderError, type SpotQuote } from "../contracts/index.ts";

/**
 * Runs enrichment over a whole batch (inline or on a worker pool); given the snapshot instant
 * it may also render the CSV row bodies in the same pass (see RenderedRows). `keepAnalytics`:
 * the provider wrote the legs' IV and Greeks (a recording's), enrichment keeps them.
 */
export type Enricher = (batch: ChainBatch, at: number, opts?: { keepAnalytics?: boolean }) => Promise<EnrichOutput>;

export type CycleDeps = {
  config: Readonly<G6Config>;
  provider: Provider;
  enrich: Enricher;
  /** Monotonic milliseconds for phase timings. */
  elapsed: () => number;
  /** Listed strikes per day (universe mode, and a ladder from the listing). */
  listing: ListingCache;
  /** Wall clock, epoch ms, for the age of the quotes (absent: the snapshot instant stands in). */
  wallNow?: () => number;
  /** Work load control sheds from this cycle's plan (absent: none). */
  shed?: PlanShed | null;
  /** The run's OI change tracker and ATM IV history (absent: no history figures). */
  trader?: TraderAnalytics;
  /** Builds the cycle's batch (absent: `createBatch`, fresh memory; the engine reuses released batches, see batch-pool.ts). */
  createBatch?: (specs: readonly GroupSpec[]) => ChainBatch;
  /** Builds the cycle's chain-leg batch (absent: fresh memory; the engine takes it from a second batch pool). */
  createChainBatch?: (specs: readonly GroupSpec[]) => ChainBatch;
};

export { enrichParams } from "./enrich-params.ts";

function toCycleError(phase: Phase, err: unknown): CycleError {
  if (err instanceof ProviderError) return { phase, code: err.code, message: err.message };
  return { phase, code: "fatal", message: errorMessage(err) };
}

/**
 * Records a provider failure of `phase` in `errors`. A `fatal` ProviderError ends the run: it is
 * rethrown with the provider and phase named. An auth failure is recorded once a cycle (after
 * it, every call fails fast with the same error).
 */
function recordFailure(errors: CycleError[], provider: string, phase: Phase, err: unknown): void {
  if (err instanceof ProviderError && err.code === "fatal") {
    throw new ProviderError("fatal", `provider ${provider}: ${phase} failed fatally: ${err.message}`);
  }
  pushError(errors, toCycleError(phase, err));
}

function pushError(errors: CycleError[], e: CycleError): void {
  if (e.code === "auth" && errors.some((x) => x.code === "auth")) return;
  errors.push(e);
}

export async function runCycle(deps: CycleDeps, cycle: number, at: number): Promise<CycleResult> {
  const { config, provider } = deps;
  const errors: CycleError[] = [];
  const warningsOf: string[] = [];
  const durations = { spot: 0, plan: 0, fetch: 0, enrich: 0, score: 0, total: 0 };
  const t0 = deps.elapsed();
  let mark = t0;
  const lap = (phase: Phase) => {
    const now = deps.elapsed();
    durations[phase] = now - mark;
    mark = now;
  };
  const date = istDate(at);
  const names = enabledIndices(config);

  const spots = new Map<string, SpotQuote>();
  const listed = new Map<string, readonly string[]>();
  try {
    for (const q of await provider.spot(names, at)) spots.set(q.index, q);
  } catch (err) {
    recordFailure(errors, provider.name, "spot", err);
  }
  await Promise.all(
    names.map(async (index) => {
      try {
        listed.set(index, await provider.listExpiries(index, date));
      } catch (err) {
        recordFailure(errors, provider.name, "spot", err);
      }
    }),
  );
  const listedStrikes = new Map<string, Float64Array>();
  const ladderFromListing = capabilitiesOf(provider).ladderFromListing;
  // Chain scope needs every collected expiry's listed strikes (universe mode collects them all anyway).
  const chainScope = config.analytics.scope === "chain" && config.collection_mode !== "universe";
  if (config.collection_mode === "universe" || ladderFromListing || chainScope) {
    for (const [index, expiries] of listed) {
      // Chain scope alone needs the strikes only of indices the plan can collect (with a spot).
      if (config.collection_mode !== "universe" && !ladderFromListing && !spots.has(index)) continue;
      // Universe: every listed expiry; a ladder from the listing: the expiries its selectors name.
      const wanted =
        config.collection_mode === "universe"
          ? expiries
          : new Set(config.indices[index as IndexName].expiries.map((tag) => resolveExpiry(tag, expiries, date)).filter((e): e is string => e !== undefined));
      for (const expiry of wanted) {
        if (expiry < date) continue;
        try {
          listedStrikes.set(`${index}|${expiry}`, await deps.listing.strikes(provider, index, expiry, date));
        } catch (err) {
          recordFailure(errors, provider.name, "spot", err);
        }
      }
    }
  }
  lap("spot");

  const plan = planCycle({ config, at, today: date, spots, listed, listedStrikes, ladderFromListing, shed: deps.shed });
  const batch = (deps.createBatch ?? createBatch)(plan.groups);
  lap("plan");

  let fetchReport: ComputeReport = { shards: 0, events: [] };
  let ladderFailed = false;
  if (batch.legs > 0) {
    try {
      const report = await provider.quotes(batch, at);
      fetchReport = report.compute ?? fetchReport;
      // Chunks that failed while the rest was quoted (the running provider's partial results).
      for (const f of report.failures ?? []) pushError(errors, { phase: "fetch", code: f.code, message: f.message });
    } catch (err) {
      ladderFailed = true;
      recordFailure(errors, provider.name, "fetch", err);
    }
    // Whatever the provider wrote (even before failing) is checked here, once for every provider.
    rejectInvalidQuotes(batch);
  }
  // The chain legs after the ladder's: the CSV rows never wait on them; not after the ladder's fetch failed as a whole.
  const chain = chainScope && !ladderFailed && !deps.shed?.chainLegs ? await fetchChainLegs(provider, config, plan.groups, listedStrikes, batch.legs, at, deps.createChainBatch) : null;
  if (chain) {
    for (const f of chain.failures) pushError(errors, { phase: "fetch", code: f.code, message: `chain legs: ${f.message}` });
    if (chain.error !== null) recordFailure(errors, provider.name, "fetch", chain.error);
    if (chain.skipped) warningsOf.push(chain.skipped);
  }
  lap("fetch");
  const quoteTimes = quoteTimesOf(batch.quoteTime, deps.wallNow?.() ?? at);

  // A provider that supplies analytics (a replay of recorded IVs and Greeks) has them kept.
  const keepAnalytics = capabilitiesOf(provider).suppliesAnalytics;
  const { report: enrichReport, rendered } = await deps.enrich(batch, at, keepAnalytics ? { keepAnalytics } : undefined);
  lap("enrich");

  const expiries: ExpirySummary[] = [];
  for (let g = 0; g < batch.groups; g++) expiries.push(scoreGroup(batch, g));
  const flows = applyTraderAnalytics(config, deps.trader, batch, chain?.batch ?? null, chain?.groups ?? new Set(), expiries, at, date);
  const indices = plan.indices.map((p) => scoreIndex(p, expiries.filter((e) => e.index === p.index)));
  const ivFailures = Object.fromEntries(IV_FAILURE_REASONS.map((r) => [r, 0])) as CycleResult["ivFailures"];
  for (let i = 0; i < batch.legs; i++) {
    const code = batch.ivFail[i]!;
    if (code > 0) ivFailures[IV_FAILURE_REASONS[code - 1]!]++;
  }
  lap("score");
  durations.total = deps.elapsed() - t0;

  let legsRequested = 0;
  let legsCollected = 0;
  for (const s of indices) {
    legsRequested += s.legsRequested;
    legsCollected += s.legsCollected;
  }
  const status = indices.every((s) => s.status === "EMPTY") ? "EMPTY" : indices.every((s) => s.status === "OK") ? "OK" : "PARTIAL";
  const statusReason = indices
    .filter((s) => s.status !== "OK")
    .map((s) => `${s.index} ${s.status}${s.reason ? `: ${s.reason}` : ""}`)
    .join("; ");
  const warnings = [...expiryCoverageWarnings(createExchangeCalendars(config.market), date, expiries), ...warningsOf];
  const compute = { fetch: fetchReport, enrich: enrichReport };
  const analyticsScope = config.analytics.scope;
  // A skipped chain batch is not in the result: its hold (a pool's) is given back now.
  if (chain?.skipped) releaseBatch(chain.batch);
  return { cycle, at, date, durations, batch, expiries, indices, ivFailures, legsRequested, legsCollected, status, statusReason, warnings, errors, compute, rendered, quoteTimes, analyticsScope, chain: chain && !chain.skipped ? chain.batch : null, flows };
}
