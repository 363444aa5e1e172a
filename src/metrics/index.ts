export { createObservability, type CycleObserver, type Observability } from "./observability.ts";
export { instrumentProvider, type InstrumentedProvider } from "./provider.ts";
export { instrumentSink } from "./sinks.ts";
export { createCardinalityGuard, type DetailLevel } from "./guard.ts";
export { metricsCatalog } from "./docs.ts";
export { CATALOG, allDescriptors, enabledGroups } from "./catalog.ts";
