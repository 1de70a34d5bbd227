/**
 * Serving metrics of a model pool under the names Triton Inference Server uses
 * (so its dashboards read them): request success and failure counts, inference
 * count and execution count (their ratio is the mean batch size), cumulative
 * queue and compute durations in microseconds, pending requests; and, beside
 * them, real Prometheus histograms of queue time, compute time and batch size.
 * Labels are the model and its version (and a failure's reason): bounded.
 */
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { PoolFailure, PoolObserver } from "./model_pool.ts";

/** Why a request to a model failed: the pool's reasons and the API's own. */
export type RequestFailure = PoolFailure | "overloaded" | "timeout";

/** A pool's metrics; pass it as the pool's `observer`. */
export interface ServingMetrics extends PoolObserver {
  /** A request the API refused or gave up on before the pool answered. */
  rejected(reason: "overloaded" | "timeout"): void;
}

/** Each registry's pools, by model and version: what the pending gauge reads when scraped. */
const PENDING = new WeakMap<Registry, Map<string, () => number>>();

const SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** Options of {@link createServingMetrics}. */
export interface ServingMetricsOptions {
  /** The model's name (label `model`). */
  model: string;
  /** Its version (label `version`). @default "1" */
  version?: string;
}

/** Registers a model's serving metrics in `registry` (once per name; a second call shares them). */
export function createServingMetrics(
  registry: Registry,
  { model, version = "1" }: ServingMetricsOptions,
): ServingMetrics {
  const registers = [registry];
  const labels = { model, version };
  const metric = <T>(make: () => T, name: string): T => (registry.getSingleMetric(name) as T | undefined) ?? make();
  const counter = (name: string, help: string, extra: string[] = []) =>
    metric(() => new Counter({ name, help, labelNames: ["model", "version", ...extra], registers }), name);
  const success = counter("nv_inference_request_success", "Inference requests that succeeded.");
  const failure = counter("nv_inference_request_failure", "Inference requests that failed, by reason.", ["reason"]);
  const count = counter("nv_inference_count", "Inferences performed (a batch of n counts n).");
  const execs = counter("nv_inference_exec_count", "Model executions (batches) performed.");
  const requestUs = counter(
    "nv_inference_request_duration_us",
    "Cumulative time requests spent in the pool, queue and compute, in microseconds.",
  );
  const queueUs = counter(
    "nv_inference_queue_duration_us",
    "Cumulative time requests waited for a batch and a worker, us.",
  );
  const inputUs = counter("nv_inference_compute_input_duration_us", "Cumulative preprocessing time of requests, us.");
  const inferUs = counter("nv_inference_compute_infer_duration_us", "Cumulative model execution time of requests, us.");
  let pending = 0;
  const pools = PENDING.get(registry) ?? new Map<string, () => number>();
  PENDING.set(registry, pools);
  pools.set(JSON.stringify([model, version]), () => pending);
  metric(
    () =>
      new Gauge({
        name: "nv_inference_pending_request_count",
        help: "Requests the pool holds (forming a batch or computing); its mailbox is troupe_mailbox_depth.",
        labelNames: ["model", "version"],
        registers,
        collect() {
          for (const [key, read] of pools) {
            const [m, v] = JSON.parse(key) as [string, string];
            this.set({ model: m, version: v }, read());
          }
        },
      }),
    "nv_inference_pending_request_count",
  );
  const histogram = (name: string, help: string, buckets: number[]) =>
    metric(() => new Histogram({ name, help, buckets, labelNames: ["model", "version"], registers }), name);
  const queueH = histogram(
    "troupe_inference_queue_seconds",
    "Time a request waited for a batch and a worker.",
    SECONDS,
  );
  const computeH = histogram(
    "troupe_inference_compute_seconds",
    "Preprocessing and execution time of the batch a request ran in.",
    SECONDS,
  );
  const batchH = histogram("troupe_inference_batch_size", "Images per model execution.", [1, 2, 4, 8, 16, 32, 64, 128]);
  return {
    received: () => void pending++,
    executed(size, _preprocessMs, _inferMs) {
      execs.inc(labels);
      count.inc(labels, size);
      batchH.observe(labels, size);
    },
    succeeded(queueMs, preprocessMs, inferMs) {
      pending = Math.max(0, pending - 1);
      success.inc(labels);
      queueUs.inc(labels, Math.round(queueMs * 1000));
      inputUs.inc(labels, Math.round(preprocessMs * 1000));
      inferUs.inc(labels, Math.round(inferMs * 1000));
      requestUs.inc(labels, Math.round((queueMs + preprocessMs + inferMs) * 1000));
      queueH.observe(labels, queueMs / 1000);
      computeH.observe(labels, (preprocessMs + inferMs) / 1000);
    },
    failed(reason) {
      pending = Math.max(0, pending - 1);
      failure.inc({ ...labels, reason });
    },
    rejected(reason) {
      failure.inc({ ...labels, reason });
    },
  };
}
