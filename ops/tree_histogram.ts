/**
 * A prom-client metric made of histograms the runtime already bucketed. prom-client's
 * own Histogram takes one observation at a time; the runtime keeps per-actor counts
 * in power-of-two buckets (system/histogram.ts), so this metric hands prom-client's
 * registry the cumulative `_bucket`, `_sum` and `_count` values at scrape time, at
 * every second bound (1 µs, 4 µs ... 4.2 s, +Inf: the finer buckets sum exactly).
 */
import type { Metric, Registry } from "prom-client";
import { HISTOGRAM_BOUNDS, type HistogramData } from "../system/observe.ts";

type Labels = Record<string, string>;

interface Value {
  metricName: string;
  labels: Record<string, string | number>;
  value: number;
}

/** Indexes of the runtime's buckets that are exported as bounds. */
const EXPORTED = HISTOGRAM_BOUNDS.map((_, i) => i).filter((i) => i % 2 === 0);

/** One histogram family; register it in a prom-client `Registry` with `registerMetric`. */
export class TreeHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  readonly #series: { labels: Labels; data: HistogramData }[] = [];

  constructor(readonly name: string, readonly help: string) {}

  /**
   * Registers it. The registry reads only `name` and `get()` of a metric; its type
   * names prom-client's four classes, hence the cast.
   */
  registerIn(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  /** Adds one series (one actor's histogram). */
  add(labels: Labels, data: HistogramData): void {
    this.#series.push({ labels, data });
  }

  /** What prom-client's registry reads at scrape time. */
  get(): { name: string; help: string; type: string; aggregator: string; values: Value[] } {
    const values: Value[] = [];
    for (const { labels, data } of this.#series) {
      let cumulative = 0;
      let next = 0;
      for (const i of EXPORTED) {
        while (next <= i) cumulative += data.counts[next++] ?? 0;
        values.push({
          metricName: `${this.name}_bucket`,
          labels: { ...labels, le: HISTOGRAM_BOUNDS[i]! },
          value: cumulative,
        });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le: "+Inf" }, value: data.count });
      values.push({ metricName: `${this.name}_sum`, labels, value: data.sum });
      values.push({ metricName: `${this.name}_count`, labels, value: data.count });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}
