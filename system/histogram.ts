/**
 * A latency histogram with fixed power-of-two buckets: bucket `i` counts values up
 * to 2^i microseconds (1 µs to about 8.4 s), the last bucket everything above. The
 * runtime fills one per actor from sampled messages (processing time, time in the
 * mailbox); readers take its cumulative counts, diff two of them for a window, and
 * read quantiles from the buckets.
 */

/** Upper bounds of the buckets, in seconds (the last, +Inf, is implied). */
export const HISTOGRAM_BOUNDS: readonly number[] = Array.from({ length: 24 }, (_, i) => 2 ** i / 1e6);

const BUCKETS = HISTOGRAM_BOUNDS.length + 1;

/** Cumulative figures of a {@link Histogram}: plain data. */
export interface HistogramData {
  /** Values per bucket (not cumulative); `counts[i]` is up to `HISTOGRAM_BOUNDS[i]`, the last is above. */
  counts: number[];
  /** Sum of the values, in seconds. */
  sum: number;
  /** Durations recorded. */
  count: number;
}

/** Counts of durations in power-of-two buckets. */
export class Histogram {
  readonly #counts = new Array<number>(BUCKETS).fill(0);
  #sum = 0;
  #count = 0;

  /** Records one duration in milliseconds (as `performance.now()` differences come). */
  recordMs(ms: number): void {
    const us = ms * 1000;
    const i = us <= 1 ? 0 : Math.min(BUCKETS - 1, Math.ceil(Math.log2(us)));
    this.#counts[i]!++;
    this.#sum += ms / 1000;
    this.#count++;
  }

  /** A copy of the figures. */
  data(): HistogramData {
    return { counts: [...this.#counts], sum: this.#sum, count: this.#count };
  }
}

/** The figures recorded between two readings of one histogram (`earlier` may be null: since the start). */
export function histogramDelta(later: HistogramData, earlier: HistogramData | null): HistogramData {
  if (earlier === null) return later;
  return {
    counts: later.counts.map((c, i) => c - (earlier.counts[i] ?? 0)),
    sum: later.sum - earlier.sum,
    count: later.count - earlier.count,
  };
}

/**
 * The `q` quantile (0..1) in seconds, interpolated linearly inside its bucket (the
 * first bucket from 0, the overflow bucket reports its lower bound). Null when empty.
 */
export function histogramQuantile(h: HistogramData, q: number): number | null {
  if (h.count <= 0) return null;
  const rank = q * h.count;
  let seen = 0;
  for (let i = 0; i < h.counts.length; i++) {
    const c = h.counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      const lower = i === 0 ? 0 : HISTOGRAM_BOUNDS[i - 1]!;
      const upper = HISTOGRAM_BOUNDS[i];
      if (upper === undefined) return lower;
      return lower + (upper - lower) * Math.max(0, Math.min(1, (rank - seen) / c));
    }
    seen += c;
  }
  return HISTOGRAM_BOUNDS.at(-1)!;
}
