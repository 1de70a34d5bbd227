/**
 * What a node's log lines may put on the fleet's log topic: lines at or above a level
 * (`LOG_SHIP_LEVEL`), at most `ratePerS` of them a second on average (a token bucket
 * holding one second's worth, so a short burst passes whole), and at most a few
 * seconds of them waiting to be sent. Whatever the gate refuses is counted, by level,
 * so the shipper can say how many it dropped. Pure and told the time: tests run on
 * virtual time, and a log storm costs the node a counter increment per line.
 */

/** A log line's level, as the logger writes it. */
export type ShipLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<ShipLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The level of a line the logger wrote (`{"ts":"…","level":"warn",…}`), read without parsing the line. */
export function lineLevel(line: string): ShipLevel | null {
  const m = /^\{"ts":"[^"]*","level":"(debug|info|warn|error)"/.exec(line);
  return m ? (m[1] as ShipLevel) : null;
}

/** Options of a {@link LogGate}. */
export interface LogGateOptions {
  /** Lines below this level are not shipped. */
  level: ShipLevel;
  /** Lines per second on average. */
  ratePerS: number;
  /** Lines waiting to be sent at most (beyond: dropped). @default ratePerS * 5 */
  maxQueued?: number;
}

/** Counts of what the gate did. */
export interface LogGateStats {
  /** Lines handed to the shipper. */
  passed: number;
  /** Hop reports handed to the shipper, and refused by their own rate limit. */
  hopsPassed: number;
  hopsDropped: number;
  /** Lines refused by the rate limit or a full queue, by level. */
  dropped: Partial<Record<ShipLevel, number>>;
  /** Lines below the level (not an error: not meant to be shipped). */
  belowLevel: number;
}

/** The gate. */
export class LogGate {
  readonly stats: LogGateStats = { passed: 0, hopsPassed: 0, hopsDropped: 0, dropped: {}, belowLevel: 0 };
  readonly #min: number;
  readonly #rate: number;
  readonly #maxQueued: number;
  readonly #queue: string[] = [];
  #tokens: number;
  #atMs: number | null = null;
  /** Hop reports have a bucket of their own at the same rate: a log storm does not hide an image's hops. */
  #hopTokens: number;
  #hopAtMs: number | null = null;
  /** Dropped since the last {@link take}. */
  #droppedSinceTake = 0;

  constructor(options: LogGateOptions) {
    this.#min = RANK[options.level];
    this.#rate = options.ratePerS;
    this.#maxQueued = options.maxQueued ?? Math.max(1, Math.ceil(options.ratePerS * 5));
    this.#tokens = options.ratePerS;
    this.#hopTokens = options.ratePerS;
  }

  /** Offers one hop report (any level) written at `nowMs`; says whether it will be shipped. */
  offerHop(line: string, nowMs: number): boolean {
    if (this.#hopAtMs !== null && nowMs > this.#hopAtMs) {
      this.#hopTokens = Math.min(this.#rate, this.#hopTokens + ((nowMs - this.#hopAtMs) / 1000) * this.#rate);
    }
    if (this.#hopAtMs === null || nowMs > this.#hopAtMs) this.#hopAtMs = nowMs;
    if (this.#hopTokens < 1 || this.#queue.length >= this.#maxQueued * 2) {
      this.stats.hopsDropped++;
      return false;
    }
    this.#hopTokens -= 1;
    this.#queue.push(line);
    this.stats.hopsPassed++;
    return true;
  }

  /** Offers one line written at `nowMs`; says whether it will be shipped. */
  offer(line: string, nowMs: number): boolean {
    const level = lineLevel(line);
    if (level === null || RANK[level] < this.#min) {
      this.stats.belowLevel++;
      return false;
    }
    this.#refill(nowMs);
    if (this.#tokens < 1 || this.#queue.length >= this.#maxQueued) {
      this.stats.dropped[level] = (this.stats.dropped[level] ?? 0) + 1;
      this.#droppedSinceTake++;
      return false;
    }
    this.#tokens -= 1;
    this.#queue.push(line);
    this.stats.passed++;
    return true;
  }

  /** The lines waiting (oldest first), and how many were dropped since the last take; the queue is emptied. */
  take(): { lines: string[]; dropped: number } {
    const lines = this.#queue.splice(0, this.#queue.length);
    const dropped = this.#droppedSinceTake;
    this.#droppedSinceTake = 0;
    return { lines, dropped };
  }

  /** Lines waiting now. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Dropped in all. */
  get droppedTotal(): number {
    return Object.values(this.stats.dropped).reduce((s, n) => s + (n ?? 0), 0);
  }

  #refill(nowMs: number): void {
    if (this.#atMs !== null && nowMs > this.#atMs) {
      this.#tokens = Math.min(this.#rate, this.#tokens + ((nowMs - this.#atMs) / 1000) * this.#rate);
    }
    if (this.#atMs === null || nowMs > this.#atMs) this.#atMs = nowMs;
  }
}
