/**
 * One image's hops across the fleet: where its trace (W3C trace id, started at
 * capture) was seen, by which node and when. Nodes report the hops of a sample of
 * images, chosen by trace id (`TRACE_SAMPLE`), so every node follows the same
 * images without agreeing on anything; a report is a log line (`msg` "hop") on the
 * fleet's log topic (protocols/log_record.ts):
 *
 * ```json
 * { "ts": "2026-12-07T11:05:00.012Z", "level": "info", "msg": "hop", "hop": "stored",
 *   "traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "node": "db-1" }
 * ```
 */
import { traceIdOf } from "./trace_context.ts";

/** The hops of an image, in the order it passes them. */
export const HOPS = [
  "captured",
  "encoded",
  "produced",
  "stored",
  "consumed",
  "inferred",
  "result_produced",
  "result_stored",
] as const;

/** One hop. */
export type HopName = (typeof HOPS)[number];

/** The message of a hop's log line. */
export const HOP_MSG = "hop";

/** Reports that the image whose trace context is `traceparent` passed `hop` at `atMs` (the reporter samples). */
export type HopReporter = (hop: HopName, traceparent: string | undefined, atMs: number) => void;

/** A reporter that reports nothing. */
export const noHops: HopReporter = () => {};

/**
 * Whether the trace of `traceparent` is in a sample of `ratio` (0 to 1) of all traces: its first 32 bits of trace
 * id below `ratio` of their range, as OpenTelemetry's TraceIdRatioBased sampler does with its last bits. The same
 * answer on every node, for every hop. Returns the trace id when sampled, else null.
 */
export function sampledTraceId(traceparent: string | undefined, ratio: number): string | null {
  if (ratio <= 0 || !traceparent) return null;
  // Most images are not in the sample: their trace id's first 32 bits (characters 3 to 10 of a version-00
  // traceparent) say so before the whole header is checked.
  if (ratio < 1 && !(parseInt(traceparent.trimStart().slice(3, 11), 16) < ratio * 0x1_0000_0000)) return null;
  const traceId = traceIdOf(traceparent);
  return traceId !== null && inTraceSample(traceId, ratio) ? traceId : null;
}

/** Whether `traceId` (32 hex digits) is in a sample of `ratio` of all traces (see {@link sampledTraceId}). */
export function inTraceSample(traceId: string, ratio: number): boolean {
  return ratio >= 1 || (ratio > 0 && parseInt(traceId.slice(0, 8), 16) < ratio * 0x1_0000_0000);
}
