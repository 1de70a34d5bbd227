/**
 * A bounded mailbox, shaped like a bounded channel: a required capacity, an async
 * `send` that waits for room (and takes an AbortSignal), a `trySend` that says no,
 * and a closed state that hands the unsent message back in its error.
 *
 * The mailbox is pure data: it knows nothing of actors or nact. Its depth never
 * exceeds its capacity; what happens at capacity is the overflow policy.
 */
import { type Clock, realClock } from "./clock.ts";
import { MailboxClosed, MailboxFull } from "./errors.ts";
import { Histogram, type HistogramData } from "./histogram.ts";
import { waitStride } from "./_sampling.ts";

/**
 * What a full mailbox does with one more message.
 * - `wait`: the async send resolves only once the message is accepted.
 * - `reject`: the send throws {@link MailboxFull}.
 * - `dropOldest`: the oldest queued message is discarded and counted (lossy actors only).
 */
export type OverflowPolicy = "wait" | "reject" | "dropOldest";

/** Options of {@link Mailbox}. */
export interface MailboxOptions {
  /** Most messages queued at once (not counting the one being processed). */
  capacity: number;
  /** What a full mailbox does. @default "wait" */
  overflow?: OverflowPolicy;
}

/** Options of {@link Mailbox.send}. */
export interface SendOptions {
  /** Gives up waiting for room; the send rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** What `send` returns for a message accepted at once: one settled promise, shared. */
const ACCEPTED: Promise<void> = Promise.resolve();

interface Waiter<M> {
  msg: M;
  resolve: () => void;
  reject: (err: unknown) => void;
  onAbort?: () => void;
  signal?: AbortSignal;
}

/** Counters of one mailbox, for introspection. */
export interface MailboxStats {
  /** Messages queued now. */
  depth: number;
  /** Messages it may hold. */
  capacity: number;
  /** What a full mailbox does. */
  overflow: OverflowPolicy;
  /** Senders blocked waiting for room (policy `wait`). */
  waitingSenders: number;
  /** Messages accepted since it was made. */
  accepted: number;
  /** Messages dropped: by `dropOldest`, or queued at a restart with `keepMailboxOnRestart: false`. */
  dropped: number;
  /** Sends refused by a full `reject` mailbox. */
  rejected: number;
  /** Whether it takes no more messages (the actor is stopping or stopped). */
  closed: boolean;
  /** The deepest the mailbox has been since it was made, as its owner noted it (see `noteDepth`). */
  highWater: number;
  /** Time sampled messages spent queued (one in about 128; null before the first). */
  wait: HistogramData | null;
}

/** A bounded FIFO of messages with an overflow policy. */
export class Mailbox<M> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  #items: M[] = [];
  #head = 0;
  #waiters: Waiter<M>[] = [];
  #closed = false;
  #accepted = 0;
  #dropped = 0;
  #rejected = 0;
  #highWater = 0;
  /** The next message timed is the first accepted once `#accepted` reaches this. */
  #probeNext = waitStride();
  /** Index in `#items` of the message being timed; -1: none. */
  #probeIdx = -1;
  #probeAt = 0;
  #wait: Histogram | null = null;
  #onAccept: () => void;
  readonly #clock: Clock;

  /**
   * @param path names the owner in errors.
   * @param onAccept called once for every message accepted (the owner schedules delivery).
   * @param clock what the sampled waits are timed on (the system's).
   */
  constructor(
    readonly path: string,
    options: MailboxOptions,
    onAccept: () => void = () => {},
    clock: Clock = realClock,
  ) {
    this.#clock = clock;
    if (!Number.isInteger(options.capacity) || options.capacity < 1) {
      throw new RangeError(`mailbox capacity of ${path} must be a whole number >= 1: got ${options.capacity}`);
    }
    this.capacity = options.capacity;
    this.overflow = options.overflow ?? "wait";
    this.#onAccept = onAccept;
  }

  /** Messages queued now. */
  get depth(): number {
    return this.#items.length - this.#head;
  }

  /** Whether the mailbox refuses new messages. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Puts a message in, waiting for room under policy `wait`. */
  send(msg: M, options?: SendOptions): Promise<void> {
    if (this.#closed) return Promise.reject(new MailboxClosed(this.path, msg));
    if (this.trySend(msg)) return ACCEPTED;
    if (this.overflow === "reject") {
      this.#rejected++;
      return Promise.reject(new MailboxFull(this.path, this.capacity, msg));
    }
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter<M> = { msg, resolve, reject };
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          const i = this.#waiters.indexOf(waiter);
          if (i >= 0) this.#waiters.splice(i, 1);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  /**
   * Puts a message in if that needs no waiting. Returns false when full (policies
   * `wait` and `reject`) or closed; under `dropOldest` it always succeeds while open.
   */
  trySend(msg: M): boolean {
    if (this.#closed) return false;
    if (this.depth >= this.capacity) {
      if (this.overflow !== "dropOldest") return false;
      if (this.#head === this.#probeIdx) this.#probeIdx = -1;
      this.#shiftRaw();
      this.#dropped++;
    }
    this.#push(msg);
    return true;
  }

  /** Takes the oldest message, letting one waiting sender in. */
  shift(): M | undefined {
    if (this.depth === 0) return undefined;
    const timed = this.#head === this.#probeIdx;
    const msg = this.#shiftRaw();
    if (timed) this.#probeDone();
    this.#admitWaiter();
    return msg;
  }

  /** Discards every queued message (counted as dropped); waiting senders move in. */
  clear(): number {
    const n = this.depth;
    this.#items = [];
    this.#head = 0;
    this.#dropped += n;
    this.#probeIdx = -1;
    while (this.depth < this.capacity && this.#waiters.length > 0) this.#admitWaiter();
    return n;
  }

  /** Refuses new messages; blocked senders get {@link MailboxClosed} with their message. Queued ones stay. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) {
      this.#detach(w);
      w.reject(new MailboxClosed(this.path, w.msg));
    }
  }

  /** Counters for introspection. */
  stats(): MailboxStats {
    return {
      depth: this.depth,
      capacity: this.capacity,
      overflow: this.overflow,
      waitingSenders: this.#waiters.length,
      accepted: this.#accepted,
      dropped: this.#dropped,
      rejected: this.#rejected,
      closed: this.#closed,
      highWater: Math.max(this.#highWater, this.depth),
      wait: this.#wait?.data() ?? null,
    };
  }

  #push(msg: M): void {
    const length = this.#items.push(msg);
    if (++this.#accepted >= this.#probeNext && this.#probeIdx < 0) this.#startProbe(length - 1);
    this.#onAccept();
  }

  /** Times the message at `index` (kept out of `#push`, which stays small enough to inline). */
  #startProbe(index: number): void {
    this.#probeNext = this.#accepted + waitStride();
    this.#probeIdx = index;
    this.#probeAt = this.#clock.now();
  }

  /**
   * Records the depth now as a candidate high-water mark. The owner calls it when
   * the depth may be at a peak (the start of a turn, and between messages of a turn
   * that awaited); `stats()` counts the depth at the time of reading too.
   */
  noteDepth(): void {
    const depth = this.#items.length - this.#head;
    if (depth > this.#highWater) this.#highWater = depth;
  }

  /** The timed message is out: records how long it waited. */
  #probeDone(): void {
    this.#probeIdx = -1;
    (this.#wait ??= new Histogram()).recordMs(this.#clock.now() - this.#probeAt);
  }

  #shiftRaw(): M {
    const msg = this.#items[this.#head] as M;
    this.#items[this.#head] = undefined as M;
    this.#head++;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      if (this.#probeIdx >= 0) this.#probeIdx -= this.#head;
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return msg;
  }

  #admitWaiter(): void {
    if (this.#closed || this.depth >= this.capacity) return;
    const w = this.#waiters.shift();
    if (!w) return;
    this.#detach(w);
    this.#push(w.msg);
    w.resolve();
  }

  #detach(w: Waiter<M>): void {
    if (w.signal && w.onAbort) w.signal.removeEventListener("abort", w.onAbort);
  }
}
