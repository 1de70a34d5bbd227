/**
 * Version and configuration skew across live nodes, from their heartbeats'
 * fingerprints: different troupe versions or builds anywhere in the fleet; different
 * topics or partition counts among the nodes of the pipeline (a camera host writing
 * to another images topic than its consumers read); a different schema within one
 * db group; a different model, model hash, engine or precision within one inference
 * group. Pure.
 */
import type { RosterEntry } from "./roster.ts";

/** One setting on which live nodes disagree. */
export interface Skew {
  kind: "version" | "config";
  /** The fingerprint key (or `version`). */
  key: string;
  /** Where the nodes must agree: `fleet`, `pipeline`, or `group <id>`. */
  scope: string;
  /** Each value seen and the nodes that have it (most nodes first). */
  values: { value: string; nodes: string[] }[];
}

/** Keys every node of the pipeline (simulator, db, inference) must share. */
export const PIPELINE_KEYS: readonly string[] = ["topicImages", "topicInferences", "topicDeadletter", "partitions"];
/** Keys the db nodes of one group (`dbGroup`) must share. */
export const DB_GROUP_KEYS: readonly string[] = ["schema"];
/** Keys the inference nodes of one group (`inferenceGroup`) must share. */
export const INFERENCE_GROUP_KEYS: readonly string[] = ["model", "modelHash", "engine", "precision"];

const PIPELINE_ROLES = new Set(["simulator", "db", "inference", "all"]);

/** The skew among the live nodes of `entries`. */
export function findSkew(entries: readonly RosterEntry[]): Skew[] {
  const live = entries.filter((e) => e.state === "live");
  const out: Skew[] = [];
  const version = split(live, (e) => `${e.heartbeat.version} (${e.heartbeat.commit})`);
  if (version) out.push({ kind: "version", key: "version", scope: "fleet", values: version });
  const pipeline = live.filter((e) => e.heartbeat.roles.some((r) => PIPELINE_ROLES.has(r)));
  out.push(...keysSkew(pipeline, PIPELINE_KEYS, "pipeline"));
  out.push(...groupsSkew(live.filter((e) => has(e, "db")), "dbGroup", DB_GROUP_KEYS));
  out.push(...groupsSkew(live.filter((e) => has(e, "inference")), "inferenceGroup", INFERENCE_GROUP_KEYS));
  return out;
}

/** The keys on which `nodeId` is in the minority (or any side of a tie), for marking it. */
export function skewOf(nodeId: string, skews: readonly Skew[]): string[] {
  return skews.filter((s) => s.values.slice(1).some((v) => v.nodes.includes(nodeId)) || tie(s, nodeId)).map((s) =>
    s.key
  );
}

function tie(s: Skew, nodeId: string): boolean {
  return s.values.length > 1 && s.values[0]!.nodes.length === s.values[1]!.nodes.length &&
    s.values[0]!.nodes.includes(nodeId);
}

function has(e: RosterEntry, role: string): boolean {
  return e.heartbeat.roles.includes(role) || e.heartbeat.roles.includes("all");
}

function groupsSkew(nodes: RosterEntry[], groupKey: string, keys: readonly string[]): Skew[] {
  const byGroup = new Map<string, RosterEntry[]>();
  for (const e of nodes) {
    const g = String(e.heartbeat.fingerprint[groupKey] ?? "");
    byGroup.set(g, [...(byGroup.get(g) ?? []), e]);
  }
  return [...byGroup].flatMap(([g, members]) => keysSkew(members, keys, `group ${g}`));
}

function keysSkew(nodes: RosterEntry[], keys: readonly string[], scope: string): Skew[] {
  return keys.flatMap((key) => {
    const values = split(
      nodes.filter((e) => key in e.heartbeat.fingerprint),
      (e) => String(e.heartbeat.fingerprint[key]),
    );
    return values ? [{ kind: "config" as const, key, scope, values }] : [];
  });
}

function split(nodes: RosterEntry[], valueOf: (e: RosterEntry) => string): Skew["values"] | null {
  const by = new Map<string, string[]>();
  for (const e of nodes) by.set(valueOf(e), [...(by.get(valueOf(e)) ?? []), e.nodeId]);
  if (by.size < 2) return null;
  return [...by].map(([value, ids]) => ({ value, nodes: ids })).sort((a, b) =>
    b.nodes.length - a.nodes.length || a.value.localeCompare(b.value)
  );
}
