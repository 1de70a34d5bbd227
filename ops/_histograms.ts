/** Reading the runtime's histograms in the ops routes. */
import { type HistogramData, histogramQuantile } from "../system/observe.ts";
import type { LatencySummary } from "../protocols/ops_responses.ts";

/** Whether an `info` value is a histogram the runtime (or an actor) made. */
export function isHistogram(v: unknown): v is HistogramData {
  const h = v as HistogramData | null;
  return !!h && typeof h === "object" && Array.isArray(h.counts) && typeof h.count === "number" &&
    typeof h.sum === "number";
}

/** p50/p95/p99 and mean of a non-empty histogram. */
export function latencySummary(h: HistogramData, scope: LatencySummary["scope"]): LatencySummary {
  return {
    p50: histogramQuantile(h, 0.5)!,
    p95: histogramQuantile(h, 0.95)!,
    p99: histogramQuantile(h, 0.99)!,
    mean: h.sum / h.count,
    samples: h.count,
    scope,
  };
}
