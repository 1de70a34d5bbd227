/**
 * Request/reply over one-way messages: `ask` builds a temporary reply address,
 * sends the request, and waits for one reply or the timeout.
 */
import type { ActorRef, SendOptions } from "./actor.ts";
import { type Deadline, deadline } from "./_deadlines.ts";
import { type Clock, otherClockOf } from "./clock.ts";
import { AskTimeout } from "./errors.ts";

/** Options of {@link ask}. */
export interface AskOptions extends SendOptions {
  /** How long to wait for the reply (including time spent waiting for mailbox room). */
  timeoutMs: number;
}

const ACCEPTED: Promise<void> = Promise.resolve();

/** A reply address: the first message sent to it settles the request; later ones are ignored. */
class Reply<Rep> implements ActorRef<Rep> {
  readonly #to: string;
  readonly #timeoutMs: number;
  readonly #resolve: (rep: Rep) => void;
  readonly #reject: (err: unknown) => void;
  /** The clock of the asked actor's system, when not the real one (a test's virtual clock). */
  readonly #clock: Clock | undefined;
  #deadline: Deadline | null = null;
  #done = false;

  constructor(
    to: ActorRef<unknown>,
    timeoutMs: number,
    resolve: (rep: Rep) => void,
    reject: (err: unknown) => void,
  ) {
    this.#to = to.path;
    this.#clock = otherClockOf(to);
    this.#timeoutMs = timeoutMs;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  get path(): string {
    return `${this.#to}#reply`;
  }

  send(msg: Rep): Promise<void> {
    this.#settle(msg);
    return ACCEPTED;
  }

  trySend(msg: Rep): boolean {
    this.#settle(msg);
    return true;
  }

  /** Starts the timeout. */
  arm(): void {
    if (this.#done || this.#deadline) return;
    // The shared lanes of _deadlines.ts, on the asked system's clock when it is not the real one (a test's).
    this.#deadline = deadline(this.#timeoutMs, () => this.fail(new AskTimeout(this.#to, this.#timeoutMs)), this.#clock);
  }

  fail(err: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#deadline?.cancel();
    this.#reject(err);
  }

  #settle(msg: Rep): void {
    if (this.#done) return;
    this.#done = true;
    this.#deadline?.cancel();
    this.#resolve(msg);
  }
}

/** Sends `msg` to `ref`, without a promise when it is accepted at once; a refusal fails `reply`. */
function deliver<Req>(ref: ActorRef<Req>, msg: Req, reply: Reply<never>, signal: AbortSignal | undefined): void {
  if (ref.trySend(msg)) return;
  ref.send(msg, signal ? { signal } : {}).catch((err: unknown) => reply.fail(err));
}

/**
 * Sends `make(replyTo)` to `ref` and resolves with the first message sent to
 * `replyTo`. Rejects with {@link AskTimeout} after `timeoutMs`.
 */
export function ask<Req, Rep>(
  ref: ActorRef<Req>,
  make: (replyTo: ActorRef<Rep>) => Req,
  options: AskOptions,
): Promise<Rep> {
  return new Promise<Rep>((resolve, reject) => {
    const reply = new Reply<Rep>(ref as ActorRef<unknown>, options.timeoutMs, resolve, reject);
    reply.arm();
    deliver(ref, make(reply), reply as Reply<never>, options.signal);
  });
}

/** A temporary reply address and the first message sent to it. */
export interface ReplyAddress<Rep> {
  /** The address to put in the request; the first message sent to it is the reply. */
  ref: ActorRef<Rep>;
  /** Settles with the first reply, or rejects with {@link AskTimeout} once armed and `timeoutMs` passed. */
  reply: Promise<Rep>;
  /** Starts the timeout (call it once the request is accepted, so time queued for room does not count). */
  arm(): void;
}

/** A reply address for a request to `to`. @experimental */
export function replyAddress<Rep>(to: ActorRef<unknown>, timeoutMs: number): ReplyAddress<Rep> {
  let address!: Reply<Rep>;
  const reply = new Promise<Rep>((resolve, reject) => {
    address = new Reply<Rep>(to, timeoutMs, resolve, reject);
  });
  return { ref: address, reply, arm: () => address.arm() };
}

/**
 * Like {@link ask}, but only if the request is accepted without waiting: returns
 * null at once when `ref`'s mailbox is full (the caller sheds load, e.g. HTTP 429).
 */
export function tryAsk<Req, Rep>(
  ref: ActorRef<Req>,
  make: (replyTo: ActorRef<Rep>) => Req,
  options: { timeoutMs: number },
): Promise<Rep> | null {
  const address = replyAddress<Rep>(ref, options.timeoutMs);
  if (!ref.trySend(make(address.ref))) return null;
  address.arm();
  return address.reply;
}
