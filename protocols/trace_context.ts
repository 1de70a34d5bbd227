/**
 * W3C Trace Context (`traceparent`, version 00) as troupe carries it: the
 * simulator starts a trace per captured image; its Kafka record has the header
 * `traceparent: 00-<trace id>-<span id>-01`; each hop that produces a record from
 * it (the inference result) keeps the trace id under a new span id; PostgreSQL
 * rows store the trace id (`images.trace_id`, `inferences.trace_id`). Messages
 * inside a node carry the header's value in a `traceparent` field, which is what
 * the runtime's message traces pick up (system/trace.ts).
 */
import { Buffer } from "node:buffer";
import { randomFillSync } from "node:crypto";

/** The Kafka header (and HTTP header) name. */
export const TRACEPARENT_HEADER = "traceparent";

const FORM = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A parsed `traceparent`. */
export interface TraceParent {
  /** 32 lower-case hex digits. */
  traceId: string;
  /** 16 lower-case hex digits: this hop's span. */
  spanId: string;
  /** 2 hex digits (`01`: sampled). */
  flags: string;
}

/** Parses a version-00 `traceparent`; null when it is not one (all-zero ids are invalid). */
export function parseTraceparent(value: string | undefined | null): TraceParent | null {
  const m = value ? FORM.exec(value.trim()) : null;
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return null;
  return { traceId: m[1]!, spanId: m[2]!, flags: m[3]! };
}

/** A new trace (sampled flag set). */
export function newTraceparent(): string {
  return `00-${hex(16)}-${hex(8)}-01`;
}

/** The next hop of a trace: the same trace id under a new span id; a new trace when `parent` is not valid. */
export function childTraceparent(parent: string | undefined | null): string {
  const p = parseTraceparent(parent);
  return p ? `00-${p.traceId}-${hex(8)}-${p.flags}` : newTraceparent();
}

/** `{ traceparent }` for a message when `value` is a valid one (an HTTP request's header, say), else `{}`. */
export function tracedBy(value: string | undefined | null): { traceparent?: string } {
  return parseTraceparent(value) ? { traceparent: value!.trim() } : {};
}

/** The trace id of a `traceparent`, or null. */
export function traceIdOf(value: string | undefined | null): string | null {
  return parseTraceparent(value)?.traceId ?? null;
}

/**
 * Random bytes for ids come from a pool refilled from the CSPRNG 4 KiB at a time: one `randomFillSync` per ~170
 * traces instead of one `randomBytes` per id (6% of the simulator's main thread in a profile).
 */
const pool = Buffer.alloc(4096);
let used = pool.length;

function hex(bytes: number): string {
  for (;;) {
    if (used + bytes > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    const s = pool.toString("hex", used, used + bytes);
    used += bytes;
    if (!/^0+$/.test(s)) return s;
  }
}
