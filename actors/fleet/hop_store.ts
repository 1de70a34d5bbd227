/**
 * The hops the fleet's nodes reported (log lines `msg` "hop" on the log topic), by
 * trace id, for the last few thousand sampled images; and one image's trace
 * assembled from them: each hop in order, who reported it and when, how long since
 * the capture and since the hop before, and a clear mark for a hop nobody reported.
 * Pure.
 */
import { HOP_MSG, HOPS } from "../../protocols/hops.ts";
import type { LogRecord } from "../../protocols/log_record.ts";
import type { FleetTrace, FleetTraceHop } from "../../protocols/fleet_view.ts";

/** One report of a hop. */
export interface HopReport {
  hop: string;
  node: string;
  roles: string[];
  atMs: number;
}

/** Reported hops by trace id, the `keep` most recently started traces. */
export class HopStore {
  readonly #keep: number;
  readonly #traces = new Map<string, HopReport[]>();

  constructor(keep = 5_000) {
    this.#keep = keep;
  }

  /** Takes a log record; says whether it was a hop report. */
  apply(r: LogRecord): boolean {
    if (r.line.msg !== HOP_MSG) return false;
    const traceId = r.line.traceId;
    const hop = r.line["hop"];
    const atMs = Date.parse(r.line.ts);
    if (!traceId || typeof hop !== "string" || Number.isNaN(atMs)) return true;
    const reports = this.#traces.get(traceId);
    const report = { hop, node: r.node, roles: r.roles, atMs };
    if (reports) reports.push(report);
    else {
      this.#traces.set(traceId, [report]);
      if (this.#traces.size > this.#keep) this.#traces.delete(this.#traces.keys().next().value!);
    }
    return true;
  }

  /** A trace's reports (empty when none). */
  reports(traceId: string): HopReport[] {
    return this.#traces.get(traceId) ?? [];
  }

  /** The trace ids most recently started, newest first. */
  recent(n = 20): string[] {
    return [...this.#traces.keys()].slice(-n).reverse();
  }
}

/**
 * The hop each hop follows: after `produced` the image goes two ways at once (stored by the db node, and consumed
 * by the inference node), so "since the previous hop" is since the one it follows, not the one listed before it.
 */
export const HOP_AFTER: Readonly<Record<string, string>> = {
  encoded: "captured",
  produced: "encoded",
  stored: "produced",
  consumed: "produced",
  inferred: "consumed",
  result_produced: "inferred",
  result_stored: "result_produced",
};

/** One image's trace from its reports. */
export function assembleTrace(traceId: string, reports: readonly HopReport[], sampled: boolean): FleetTrace {
  const captured = reports.find((r) => r.hop === "captured")?.atMs ?? null;
  const firstAt = new Map<string, number>();
  for (const r of reports) firstAt.set(r.hop, Math.min(firstAt.get(r.hop) ?? Infinity, r.atMs));
  const hops: FleetTraceHop[] = HOPS.map((hop) => {
    const mine = reports.filter((r) => r.hop === hop).sort((a, b) => a.atMs - b.atMs);
    const first = mine[0];
    if (!first) {
      return {
        hop,
        reported: false,
        node: null,
        roles: [],
        at: null,
        sinceCaptureMs: null,
        sincePreviousMs: null,
        repeats: 0,
      };
    }
    const after = HOP_AFTER[hop];
    const previous = after === undefined ? undefined : firstAt.get(after);
    return {
      hop,
      reported: true,
      node: first.node,
      roles: first.roles,
      at: new Date(first.atMs).toISOString(),
      sinceCaptureMs: captured === null ? null : first.atMs - captured,
      sincePreviousMs: previous === undefined ? null : first.atMs - previous,
      repeats: mine.length - 1,
    };
  });
  // A trace some node reported is in the sample the nodes use, whatever this node's own setting says.
  return {
    traceId,
    sampled: sampled || reports.length > 0,
    hops,
    missing: hops.filter((h) => !h.reported).map((h) => h.hop),
  };
}
