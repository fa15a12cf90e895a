// The browser tests' private stores come from the helper the benchmarks share (test/support/store.ts).
export { type RunningStore, startStore } from "../support/store";
