export { createLatestState, freezeStats, freezeStorage, type CycleSnapshot, type LatestState, type LatestStateDeps, type Readiness, type StateObserver } from "./store.ts";
