/**
 * The fleet's view checked beside the counts (issue 21): read from the broker host's
 * node (`GET /fleet`, the same view its fleet page shows), how soon a killed node is
 * seen lost and its group in STOP, and, once a scenario's counts are reached, that
 * every node of the run is live and every group of the run OK.
 */
import type { FleetGroup, FleetNode, FleetView } from "../protocols/mod.ts";
import { until } from "../test/helpers/wait.ts";
import { type Cluster, ops } from "./cluster.ts";
import type { Run } from "./scenarios.ts";

/** The fleet as the broker host's node sees it, or null when it does not answer. */
export async function fleetOf(c: Cluster): Promise<FleetView | null> {
  const v = await ops(c.net.hosts["broker"]!, "/fleet");
  return v && Array.isArray(v["nodes"]) ? (v as unknown as FleetView) : null;
}

const nodeIn = (v: FleetView, id: string): FleetNode | undefined => v.nodes.find((n) => n.nodeId === id);
const groupIn = (v: FleetView, id: string): FleetGroup | undefined => v.groups.find((g) => g.groupId === id);

/** The group a role's nodes are members of in this run. */
export function groupOf(run: Run, role: "db" | "inference"): string {
  return run.env[role === "db" ? "DB_GROUP_ID" : "INFERENCE_GROUP_ID"]!;
}

/**
 * Waits until the fleet sees `nodeId` lost and `groupId` in STOP; the seconds from `sinceMs` to each (a problem in
 * `problems` when not seen within `withinMs`).
 */
export async function seenLost(
  run: Run,
  nodeId: string,
  groupId: string,
  sinceMs: number,
  problems: string[],
  withinMs = 30_000,
): Promise<{ lostS: number | null; stopS: number | null }> {
  const out: { lostS: number | null; stopS: number | null } = { lostS: null, stopS: null };
  try {
    await until(
      `the fleet sees ${nodeId} lost and ${groupId} in STOP`,
      async () => {
        const v = await fleetOf(run.c);
        if (!v) return false;
        const s = Math.round((Date.now() - sinceMs) / 100) / 10;
        if (out.lostS === null && nodeIn(v, nodeId)?.state === "lost") out.lostS = s;
        if (out.stopS === null && groupIn(v, groupId)?.status === "STOP") out.stopS = s;
        return out.lostS !== null && out.stopS !== null;
      },
      withinMs,
      100,
    );
  } catch {
    problems.push(`the fleet did not see ${nodeId} lost and ${groupId} in STOP within ${withinMs / 1000} s`);
  }
  return out;
}

/** Once the counts are reached: every running node of the run live, every group of the run OK (within 20 s). */
export async function checkFleetSettled(run: Run, running: string[], problems: string[]): Promise<void> {
  const groups = [groupOf(run, "db"), groupOf(run, "inference")];
  let last: FleetView | null = null;
  try {
    await until(
      "the fleet settled: every node live, every group OK",
      async () => {
        last = await fleetOf(run.c);
        return last !== null && running.every((id) => nodeIn(last!, id)?.state === "live") &&
          groups.every((g) => groupIn(last!, g)?.status === "OK");
      },
      20_000,
      250,
    );
  } catch {
    const v = last as FleetView | null;
    const states = running.map((id) => `${id} ${v ? nodeIn(v, id)?.state ?? "unseen" : "?"}`);
    const statuses = groups.map((g) => `${g} ${v ? groupIn(v, g)?.status ?? "unseen" : "?"}`);
    problems.push(`the fleet did not settle: ${[...states, ...statuses].join(", ")}`);
  }
}
