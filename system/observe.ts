/**
 * `troupe/observe`: reading a running system's figures. Walkers over the tree that
 * `system.snapshot()` returns, the latency histograms every actor keeps (mergeable,
 * power-of-two buckets, and their quantiles), and the summary of a message trace
 * (`system.startTrace`). The ops endpoint (`troupe/ops`) is built on these.
 *
 * @experimental The figures' shapes may change between minor versions.
 * @module
 */
export { findInSnapshot, HISTORY_KEEP, walkSnapshot } from "./snapshot.ts";
export { Histogram, HISTOGRAM_BOUNDS, type HistogramData, histogramDelta, histogramQuantile } from "./histogram.ts";
export { summarise, type TraceEntry, type TraceOptions, type TraceReport } from "./trace.ts";
