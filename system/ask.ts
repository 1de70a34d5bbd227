/**
 * Request/reply over one-way messages: `ask` builds a temporary reply address,
 * sends the request, and waits for one reply or the timeout.
 */
import type { ActorRef, SendOptions } from "./actor.ts";
import { AskTimeout } from "./errors.ts";

/** Options of {@link ask}. */
export interface AskOptions extends SendOptions {
  /** How long to wait for the reply (including time spent waiting for mailbox room). */
  timeoutMs: number;
}

/**
 * Sends `make(replyTo)` to `ref` and resolves with the first message sent to
 * `replyTo`. Rejects with {@link AskTimeout} after `timeoutMs`.
 */
export function ask<Req, Rep>(ref: ActorRef<Req>, make: (replyTo: ActorRef<Rep>) => Req, options: AskOptions): Promise<Rep> {
  return new Promise<Rep>((resolve, reject) => {
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const timer = setTimeout(() => settle(() => reject(new AskTimeout(ref.path, options.timeoutMs))), options.timeoutMs);
    const replyTo: ActorRef<Rep> = {
      path: `${ref.path}#reply`,
      send: (msg) => {
        settle(() => resolve(msg));
        return Promise.resolve();
      },
      trySend: (msg) => {
        settle(() => resolve(msg));
        return true;
      },
    };
    ref.send(make(replyTo), options.signal ? { signal: options.signal } : {}).catch((err) => settle(() => reject(err)));
  });
}

/** A temporary reply address and the first message sent to it. */
export interface ReplyAddress<Rep> {
  ref: ActorRef<Rep>;
  /** Settles with the first reply, or rejects with {@link AskTimeout} once armed and `timeoutMs` passed. */
  reply: Promise<Rep>;
  /** Starts the timeout (call it once the request is accepted, so time queued for room does not count). */
  arm(): void;
}

/** A reply address for a request to `to`. */
export function replyAddress<Rep>(to: ActorRef<unknown>, timeoutMs: number): ReplyAddress<Rep> {
  let resolveReply!: (rep: Rep) => void;
  let rejectReply!: (err: unknown) => void;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let done = false;
  const reply = new Promise<Rep>((resolve, reject) => {
    resolveReply = resolve;
    rejectReply = reject;
  });
  const deliver = (msg: Rep) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    resolveReply(msg);
  };
  return {
    ref: { path: `${to.path}#reply`, send: (msg) => (deliver(msg), Promise.resolve()), trySend: (msg) => (deliver(msg), true) },
    reply,
    arm() {
      if (done || timer) return;
      timer = setTimeout(() => {
        done = true;
        rejectReply(new AskTimeout(to.path, timeoutMs));
      }, timeoutMs);
    },
  };
}

/**
 * Like {@link ask}, but only if the request is accepted without waiting: returns
 * null at once when `ref`'s mailbox is full (the caller sheds load, e.g. HTTP 429).
 */
export function tryAsk<Req, Rep>(ref: ActorRef<Req>, make: (replyTo: ActorRef<Rep>) => Req, options: { timeoutMs: number }): Promise<Rep> | null {
  const address = replyAddress<Rep>(ref, options.timeoutMs);
  if (!ref.trySend(make(address.ref))) return null;
  address.arm();
  return address.reply;
}
