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

/**
 * Like {@link ask}, but only if the request is accepted without waiting: returns
 * null at once when `ref`'s mailbox is full (the caller sheds load, e.g. HTTP 429).
 */
export function tryAsk<Req, Rep>(ref: ActorRef<Req>, make: (replyTo: ActorRef<Rep>) => Req, options: { timeoutMs: number }): Promise<Rep> | null {
  let resolveReply!: (rep: Rep) => void;
  const reply = new Promise<Rep>((r) => (resolveReply = r));
  const replyTo: ActorRef<Rep> = {
    path: `${ref.path}#reply`,
    send: (msg) => {
      resolveReply(msg);
      return Promise.resolve();
    },
    trySend: (msg) => {
      resolveReply(msg);
      return true;
    },
  };
  if (!ref.trySend(make(replyTo))) return null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new AskTimeout(ref.path, options.timeoutMs)), options.timeoutMs);
  });
  return Promise.race([reply, timeout]).finally(() => clearTimeout(timer));
}
