/**
 * A node's hop reporter: for the images in the sample (`TRACE_SAMPLE`, by trace id,
 * the same images on every node: protocols/hops.ts), a hop line offered to the log
 * gate's own hop budget, shipped to the log topic with the node's other lines. An
 * image outside the sample costs one parse of its trace id.
 */
import { HOP_MSG, type HopReporter, noHops, sampledTraceId } from "../../protocols/hops.ts";
import type { LogGate } from "./log_gate.ts";

/** The reporter of a node (`noHops` when the ratio is 0 or nothing ships). */
export function hopReporter(options: { gate: LogGate | null; nodeId: string; ratio: number }): HopReporter {
  const { gate, nodeId, ratio } = options;
  if (gate === null || ratio <= 0) return noHops;
  return (hop, traceparent, atMs) => {
    const traceId = sampledTraceId(traceparent, ratio);
    if (traceId === null) return;
    const ts = new Date(atMs).toISOString();
    gate.offerHop(JSON.stringify({ ts, level: "info", msg: HOP_MSG, node: nodeId, hop, traceId }), Date.now());
  };
}
