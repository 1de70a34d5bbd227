/**
 * Capture-to-row latency: how long after its capture an image's row (and its
 * result's row) was written, measured by the db nodes and merged by the fleet. Kept
 * in the runtime's power-of-two histograms one thousand times coarser than its
 * usual microseconds: bucket `i` counts latencies up to 2^i milliseconds (1 ms to
 * about 2.3 hours), so merging the histograms of several nodes is adding their
 * counts. The hosts' clocks must agree (NTP): a capture stamped by a camera host
 * whose clock runs ahead counts as 0 ms.
 */
import { type Histogram, type HistogramData, histogramQuantile } from "../system/observe.ts";

/** Records one latency of `ms` milliseconds (negative: 0). */
export function recordLatencyMs(h: Histogram, ms: number): void {
  // The histogram takes milliseconds and buckets microseconds: given ms / 1000, its buckets are milliseconds.
  h.recordMs(Math.max(0, ms) / 1000);
}

/** The `q` quantile in milliseconds, or null when empty. */
export function latencyQuantileMs(h: HistogramData, q: number): number | null {
  const v = histogramQuantile(h, q);
  return v === null ? null : Math.round(v * 1e6 * 10) / 10;
}

/** Adds histograms of the same buckets. */
export function mergeHistograms(parts: readonly HistogramData[]): HistogramData {
  const counts: number[] = [];
  let sum = 0;
  let count = 0;
  for (const p of parts) {
    p.counts.forEach((c, i) => (counts[i] = (counts[i] ?? 0) + c));
    sum += p.sum;
    count += p.count;
  }
  return { counts, sum, count };
}
