/**
 * The pipeline panel: figures the pipeline's actors report in their `info`, gathered
 * beside the tree. Kafka consumers report `groupId`, `lag` (per `topic:partition`, as of the last
 * fetch), `offsets` (committed offset, high watermark and lag per partition, from the brokers),
 * `paused`, `pausedSince` and `deadLettered`; database writers `writeSeconds` (a
 * histogram) and `rowsPerWrite`; model pools `model`, `batchSizes`, `meanBatch`,
 * `queueSeconds` and `computeSeconds` (histograms). An actor of an embedding
 * service shows up here by reporting the same keys.
 */
import type { ActorSnapshot } from "../system/mod.ts";
import { walkSnapshot } from "../system/observe.ts";
import { isHistogram, latencySummary } from "./_histograms.ts";
import type {
  ConsumerFigures,
  LatencySummary,
  ObservedSnapshot,
  PipelinePanel,
  PoolFigures,
  WriterFigures,
} from "../protocols/ops_responses.ts";

/** Gathers the panel from a tree. */
export function pipelinePanel(tree: ObservedSnapshot | ActorSnapshot): PipelinePanel {
  const panel: PipelinePanel = { consumers: [], writers: [], pools: [] };
  walkSnapshot(tree as ActorSnapshot, (n) => {
    const info = n.info;
    if (!info) return;
    if (typeof info["groupId"] === "string") panel.consumers.push(consumer(n.path, info));
    if (isHistogram(info["writeSeconds"])) panel.writers.push(writer(n.path, info));
    if (isHistogram(info["computeSeconds"])) panel.pools.push(pool(n.path, info));
  });
  return panel;
}

function consumer(actor: string, info: Record<string, unknown>): ConsumerFigures {
  return {
    actor,
    groupId: info["groupId"] as string,
    lag: counts(info["lag"]),
    offsets: offsetsOf(info["offsets"]),
    paused: Array.isArray(info["paused"]) ? (info["paused"] as unknown[]).map(String) : [],
    pausedSince: typeof info["pausedSince"] === "string" ? info["pausedSince"] : null,
    deadLettered: counts(info["deadLettered"]),
  };
}

function writer(actor: string, info: Record<string, unknown>): WriterFigures {
  return {
    actor,
    writeLatency: summary(info["writeSeconds"]),
    batchSizes: counts(info["rowsPerWrite"]),
    pendingRows: typeof info["pendingRows"] === "number" ? info["pendingRows"] : null,
  };
}

function pool(actor: string, info: Record<string, unknown>): PoolFigures {
  return {
    actor,
    model: typeof info["model"] === "string" ? info["model"] : null,
    batchSizes: counts(info["batchSizes"]),
    meanBatch: typeof info["meanBatch"] === "number" ? info["meanBatch"] : null,
    queueTime: summary(info["queueSeconds"]),
    computeTime: summary(info["computeSeconds"]),
  };
}

function offsetsOf(v: unknown): ConsumerFigures["offsets"] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((o) => {
    const r = o as Record<string, unknown>;
    return typeof r["topic"] === "string" && typeof r["partition"] === "number" && typeof r["lag"] === "number"
      ? [{
        topic: r["topic"],
        partition: r["partition"],
        committed: typeof r["committed"] === "string" ? r["committed"] : null,
        high: String(r["high"]),
        lag: r["lag"],
      }]
      : [];
  });
}

function counts(v: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (v && typeof v === "object") {
    for (const [k, c] of Object.entries(v)) if (typeof c === "number") out[k] = c;
  }
  return out;
}

/** Quantiles since the actor started (pipeline histograms are cumulative). */
function summary(v: unknown): LatencySummary | null {
  return isHistogram(v) && v.count > 0 ? latencySummary(v, "all") : null;
}
