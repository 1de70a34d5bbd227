/**
 * Message tracing on demand: while an actor is traced, every message it handles
 * is summarised into a bounded ring (type, size, trace ids, time, outcome). A
 * summary never holds message content: sizes are counted, not copied, and the only
 * strings kept are the message's `type` and the trace ids of W3C `traceparent`
 * fields found in it. A trace ends by itself after `limit` messages or `forMs`.
 */
import { errorCode, errorMessage } from "./errors.ts";

/** Options of a trace. */
export interface TraceOptions {
  /** Messages to record before the trace ends by itself. @default 1000 */
  limit?: number;
  /** Milliseconds before the trace ends by itself. @default 300000 */
  forMs?: number;
  /** Most recent entries kept. @default 200 */
  keep?: number;
}

/** One handled message, summarised. */
export interface TraceEntry {
  /** Epoch milliseconds when handling started. */
  at: number;
  /** The message's `type`, or its JavaScript type. */
  type: string;
  /** Bytes of binary data and characters of strings in the message (bounded walk). */
  bytes: number;
  /** Trace ids (32 hex digits) of the `traceparent` fields found in the message, at most 256. */
  traceIds: string[];
  /** Whether handling it succeeded. */
  outcome: "ok" | "failed";
  /** The failure's code or message when it failed. */
  error: string | null;
  /** Handling time in milliseconds. */
  ms: number;
}

/** What a trace recorded so far. */
export interface TraceReport {
  /** The traced actor. */
  path: string;
  /** Whether it still records. */
  active: boolean;
  /** Epoch milliseconds it started at. */
  startedAt: number;
  /** Epoch ms when it ends (or ended) by time. */
  endsAt: number;
  /** Messages it records at most. */
  limit: number;
  /** Messages recorded (the ring keeps the last `keep`). */
  seen: number;
  /** The entries kept, oldest first. */
  entries: TraceEntry[];
}

const MAX_IDS = 256;
const MAX_VISITS = 5000;
const decoder = new TextDecoder();
const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The trace of one actor. */
export class MessageTrace {
  readonly startedAt = Date.now();
  readonly endsAt: number;
  readonly limit: number;
  readonly #keep: number;
  readonly #entries: TraceEntry[] = [];
  #seen = 0;
  #stopped = false;

  constructor(readonly path: string, options: TraceOptions = {}) {
    this.limit = positive(options.limit ?? 1000, "limit");
    this.endsAt = this.startedAt + positive(options.forMs ?? 300_000, "forMs");
    this.#keep = positive(options.keep ?? 200, "keep");
  }

  /** Whether messages are still recorded. */
  get active(): boolean {
    return !this.#stopped && this.#seen < this.limit && Date.now() < this.endsAt;
  }

  /** Records one handled message; returns whether the trace is still active. */
  record(msg: unknown, startedAt: number, ms: number, failure: unknown): boolean {
    if (!this.active) return false;
    const summary = summarise(msg);
    this.#entries.push({
      at: startedAt,
      type: summary.type,
      bytes: summary.bytes,
      traceIds: summary.traceIds,
      outcome: failure === null ? "ok" : "failed",
      error: failure === null ? null : errorCode(failure) ?? errorMessage(failure),
      ms: Math.round(ms * 1000) / 1000,
    });
    if (this.#entries.length > this.#keep) this.#entries.shift();
    this.#seen++;
    return this.active;
  }

  stop(): void {
    this.#stopped = true;
  }

  report(): TraceReport {
    return {
      path: this.path,
      active: this.active,
      startedAt: this.startedAt,
      endsAt: this.endsAt,
      limit: this.limit,
      seen: this.#seen,
      entries: [...this.#entries],
    };
  }
}

function positive(n: number, name: string): number {
  if (!Number.isFinite(n) || n < 1) throw new RangeError(`trace ${name} must be a number >= 1: got ${n}`);
  return Math.floor(n);
}

/** Type, size and trace ids of a message, by a bounded walk (no content is kept). */
export function summarise(msg: unknown): { type: string; bytes: number; traceIds: string[] } {
  const type = typeof (msg as { type?: unknown } | null)?.type === "string"
    ? (msg as { type: string }).type
    : msg === null
    ? "null"
    : Array.isArray(msg)
    ? "array"
    : typeof msg;
  const ids = new Set<string>();
  let bytes = 0;
  let visits = 0;
  const addId = (s: string) => {
    const m = ids.size < MAX_IDS ? TRACEPARENT.exec(s) : null;
    if (m) ids.add(m[1]!);
  };
  const walk = (v: unknown, key: string, depth: number): void => {
    if (++visits > MAX_VISITS) return;
    if (typeof v === "string") {
      bytes += v.length;
      if (key === "traceparent") addId(v);
      return;
    }
    if (v === null || typeof v !== "object") return;
    if (ArrayBuffer.isView(v)) {
      bytes += v.byteLength;
      // Kafka headers hold their values as bytes.
      if (key === "traceparent" && v.byteLength === 55) addId(decoder.decode(v));
      return;
    }
    if (v instanceof ArrayBuffer) {
      bytes += v.byteLength;
      return;
    }
    if (depth >= 4) return;
    if (Array.isArray(v)) {
      for (const item of v) walk(item, key, depth + 1);
      return;
    }
    for (const [k, item] of Object.entries(v)) walk(item, k, depth + 1);
  };
  walk(msg, "", 0);
  return { type, bytes, traceIds: [...ids] };
}
