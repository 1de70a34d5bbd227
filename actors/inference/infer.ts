/**
 * Asking a model pool for one image's classes without building its message by hand:
 * `infer(pool, png, { timeoutMs, signal, traceparent })` resolves with the pool's
 * reply (`{ ok: true, top, model, latencyMs }`, or `{ ok: false, reason, message }` for
 * an image it could not classify); it rejects with the runtime's `AskTimeout` when no
 * answer came within `timeoutMs`, and when `signal` aborts while the request waits for
 * room in the pool's mailbox.
 */
import { type ActorRef, ask } from "../../system/mod.ts";
import type { ModelPoolMsg, PoolReply } from "./model_pool.ts";

/** Options of {@link infer}. */
export interface InferOptions {
  /** Longest wait for the answer, time waiting for room in the pool's mailbox included, ms. @default 30000 */
  timeoutMs?: number;
  /** Stops waiting for room in a full pool mailbox (backpressure) when aborted. */
  signal?: AbortSignal;
  /** The request's W3C trace context, seen in the pool's message traces (protocols/trace_context.ts). */
  traceparent?: string;
  /** Every class's score, not only the top ones. @default false */
  raw?: boolean;
}

/** One PNG classified by `pool`. */
export function infer(pool: ActorRef<ModelPoolMsg>, png: Uint8Array, options: InferOptions = {}): Promise<PoolReply> {
  return ask<ModelPoolMsg, PoolReply>(
    pool,
    (replyTo) => ({
      type: "pool.infer",
      png,
      replyTo,
      ...(options.raw ? { raw: true } : {}),
      ...(options.traceparent ? { traceparent: options.traceparent } : {}),
    }),
    { timeoutMs: options.timeoutMs ?? 30_000, ...(options.signal ? { signal: options.signal } : {}) },
  );
}
