/**
 * A batch that closes at a size or after a linger time, whichever comes first,
 * and survives restarts: what the Kafka producer sends in one request and the
 * PostgreSQL upserter writes in one transaction. The batch stays whole until the
 * caller confirms it was written (`clear`), so a failed write keeps it; the actor
 * hands it over (`handover`) and the next incarnation starts from it.
 */
import type { Timers } from "./timers.ts";

/** Options of {@link LingerBatch}. */
export interface LingerBatchOptions<T> {
  /** The batch is full at this weight. */
  size: number;
  /** Longest wait after the first item before the actor is told to flush. */
  lingerMs: number;
  /** Weight of an item (rows in a message, say). @default 1 */
  weigh?: (item: T) => number;
  /** Key of the linger timer. @default "linger" */
  timerKey?: string;
}

/** Items waiting to be written together. */
export class LingerBatch<T> {
  /** Items (or weight) at which the batch is full. */
  readonly size: number;
  /** How long the first item may wait for more. */
  readonly lingerMs: number;
  readonly #weigh: (item: T) => number;
  readonly #key: string;
  #items: T[];
  #weight: number;

  /** @param carried the batch an earlier incarnation handed over, kept in order. */
  /**
   * An empty batch, or one started with what a previous incarnation carried.
   * @param options size and linger time
   * @param carried items a previous incarnation handed over (they start the batch)
   */
  constructor(options: LingerBatchOptions<T>, carried: readonly T[] = []) {
    if (!Number.isInteger(options.size) || options.size < 1) {
      throw new RangeError(`batch size must be a whole number >= 1: got ${options.size}`);
    }
    this.size = options.size;
    this.lingerMs = options.lingerMs;
    this.#weigh = options.weigh ?? (() => 1);
    this.#key = options.timerKey ?? "linger";
    this.#items = [...carried];
    this.#weight = this.#items.reduce((n, i) => n + this.#weigh(i), 0);
  }

  /** The items, oldest first. */
  get items(): readonly T[] {
    return this.#items;
  }

  /** Total weight of the items. */
  get weight(): number {
    return this.#weight;
  }

  /** Whether the weight reached the size. */
  get full(): boolean {
    return this.#weight >= this.size;
  }

  /** Adds one item (of weight 1). */
  add(item: T): void {
    this.#items.push(item);
    this.#weight += this.#weigh(item);
  }

  /** Starts the linger timer unless it runs: after `lingerMs` the actor is sent `flush`. */
  linger<M>(timers: Timers<M>, flush: M): void {
    if (this.#items.length > 0 && !timers.isActive(this.#key)) timers.startSingle(this.#key, this.lingerMs, flush);
  }

  /** Forgets the batch once it is written, and its linger timer. */
  clear<M>(timers: Timers<M>): void {
    this.#items = [];
    this.#weight = 0;
    timers.cancel(this.#key);
  }

  /** What to hand to the next incarnation: the unwritten items, or undefined when none. */
  handover(): T[] | undefined {
    return this.#items.length > 0 ? [...this.#items] : undefined;
  }
}
