/**
 * A node's key figures for its heartbeat: per-role counters (images captured and
 * produced, rows stored, images inferred), their rates since the previous beat, the
 * model pool's queue, restarts within the last five minutes and the node's last error,
 * all read from what the roles and the actor tree already keep. Pure but for the
 * counters it is given, and told the time, so tests run on virtual time.
 */
import type { ActorSnapshot, LastError } from "../system/mod.ts";
import { type HistogramData, histogramDelta, walkSnapshot } from "../system/observe.ts";
import type { StartedRoles } from "./start_roles.ts";

/** Counters of the node's roles, by name (every one only grows). */
export function roleCounters(roles: StartedRoles): Record<string, number> {
  const out: Record<string, number> = {};
  if (roles.simulator) {
    const f = roles.simulator.figures();
    out["captured"] = f.fleet.captured;
    out["produced"] = f.producer.sent;
  }
  if (roles.db) {
    const f = roles.db.figures();
    out["imagesStored"] = f.upserter.imagesInserted + f.upserter.imagesUpdated;
    out["inferencesStored"] = f.upserter.inferences;
    out["rowsRejected"] = f.upserter.rejectedRows;
  }
  if (roles.inference) {
    const f = roles.inference.figures();
    out["inferred"] = f.consumer.inferred;
    out["poolImages"] = f.pool.images;
  }
  return out;
}

/** What the tree says of the node's health. */
export interface TreeFigures {
  /** Restarts since the node started, every actor's summed. */
  restarts: number;
  /** Messages waiting in the model pools' mailboxes and batches being formed. */
  poolQueue: number | null;
  /** The newest failure of any actor. */
  lastError: LastError | null;
}

/** Reads {@link TreeFigures} from the node's tree. */
export function treeFigures(tree: ActorSnapshot): TreeFigures {
  let restarts = 0;
  let poolQueue: number | null = null;
  let lastError: LastError | null = null;
  walkSnapshot(tree, (n) => {
    restarts += n.restarts;
    if (n.lastError && (lastError === null || n.lastError.at > lastError.at)) lastError = n.lastError;
    if (n.info && typeof n.info["computeSeconds"] === "object" && n.mailbox) {
      const forming = typeof n.info["forming"] === "number" ? n.info["forming"] : 0;
      poolQueue = (poolQueue ?? 0) + n.mailbox.depth + forming;
    }
  });
  return { restarts, poolQueue, lastError };
}

/** Window of "restarts in the window". */
export const RESTART_WINDOW_MS = 300_000;

/**
 * Turns counters sampled at each beat into the heartbeat's figures: each counter,
 * its rate per second since the previous beat (`<name>PerS`), restarts within
 * {@link RESTART_WINDOW_MS} (`restarts5m`) and the pool's queue (`poolQueue`).
 */
export class FigureRates {
  #previous: { atMs: number; counters: Record<string, number> } | null = null;
  readonly #restarts: { atMs: number; total: number }[] = [];

  /** The figures at `atMs` from this beat's counters and tree. */
  sample(atMs: number, counters: Record<string, number>, tree: TreeFigures): Record<string, number> {
    const out: Record<string, number> = { ...counters };
    const prev = this.#previous;
    if (prev && atMs > prev.atMs) {
      const seconds = (atMs - prev.atMs) / 1000;
      for (const [name, value] of Object.entries(counters)) {
        const before = prev.counters[name];
        if (before !== undefined) out[`${name}PerS`] = round(Math.max(0, value - before) / seconds);
      }
    }
    this.#previous = { atMs, counters };
    this.#restarts.push({ atMs, total: tree.restarts });
    while (this.#restarts.length > 1 && this.#restarts[1]!.atMs <= atMs - RESTART_WINDOW_MS) this.#restarts.shift();
    out["restarts"] = tree.restarts;
    out["restarts5m"] = tree.restarts - this.#restarts[0]!.total;
    if (tree.poolQueue !== null) out["poolQueue"] = tree.poolQueue;
    return out;
  }
}

/** The last minute of cumulative histograms: each reading's change since the reading a minute before it. */
export class MinuteHistograms {
  readonly #readings: { atMs: number; data: Record<string, HistogramData> }[] = [];

  /** The histograms' changes over the last minute (in the first minute: since the start). */
  sample(atMs: number, data: Record<string, HistogramData>): Record<string, HistogramData> {
    this.#readings.push({ atMs, data });
    while (this.#readings.length > 1 && this.#readings[1]!.atMs <= atMs - 60_000) this.#readings.shift();
    // Younger than a minute (no reading a minute old): everything since the start.
    const oldest = this.#readings[0]!;
    const base = oldest.atMs <= atMs - 60_000 ? oldest.data : null;
    const out: Record<string, HistogramData> = {};
    for (const [name, h] of Object.entries(data)) out[name] = histogramDelta(h, base?.[name] ?? null);
    return out;
  }
}

/** Histograms of the node's roles, cumulative, by name. */
export function roleHistograms(roles: StartedRoles): Record<string, HistogramData> {
  if (!roles.db) return {};
  const { latency } = roles.db.figures();
  return { captureToImageRow: latency.imageRow.data(), captureToInferenceRow: latency.inferenceRow.data() };
}

function round(v: number): number {
  return Math.round(v * 10) / 10;
}
