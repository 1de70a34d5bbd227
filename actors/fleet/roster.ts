/**
 * The fleet's roster: every node's last heartbeat from the compacted nodes topic
 * (protocols/node_heartbeat.ts), and each node's state: `live` while its heartbeats
 * come, `lost` after three of its own intervals without one, `left` after its
 * tombstone (a graceful stop). Lost and left nodes stay listed for an hour, then go.
 * Each node's latest actor tree (key `<node id>/tree`) is kept beside it.
 * Pure and given the time by its caller (the record's time when it is applied, the
 * clock when it is read), so tests run on virtual time. A record that is not a
 * heartbeat is counted and named, never thrown.
 */
import { decodeNodeHeartbeat, type NodeHeartbeat } from "../../protocols/node_heartbeat.ts";
import { decodeNodeTree, type NodeTree, TREE_KEY_SUFFIX } from "../../protocols/node_tree.ts";

/** A node's state in the fleet. */
export type NodeState = "live" | "lost" | "left";

/** One node as the roster knows it. */
export interface RosterEntry {
  nodeId: string;
  state: NodeState;
  /** Its last heartbeat (kept after it left or was lost). */
  heartbeat: NodeHeartbeat;
  /** When its last heartbeat (or its tombstone) was written, in ms since the epoch. */
  seenAtMs: number;
}

/** Options of a {@link Roster}. */
export interface RosterOptions {
  /** Heartbeat intervals without one before a node is lost. @default 3 */
  lostAfterIntervals?: number;
  /** How long a lost or left node stays listed. @default 3600000 (an hour) */
  keepMs?: number;
}

/** A record the roster could not take, and why. */
export interface RefusedRecord {
  key: string | null;
  detail: string;
}

/** Every node seen on the nodes topic. */
export class Roster {
  readonly #nodes = new Map<string, { heartbeat: NodeHeartbeat; seenAtMs: number; leftAtMs: number | null }>();
  readonly #trees = new Map<string, { tree: NodeTree; atMs: number }>();
  readonly #lostAfter: number;
  readonly #keepMs: number;
  /** Records that were not heartbeats (the last few, and how many in all). */
  readonly refused: RefusedRecord[] = [];
  refusedCount = 0;

  constructor(options: RosterOptions = {}) {
    this.#lostAfter = options.lostAfterIntervals ?? 3;
    this.#keepMs = options.keepMs ?? 3_600_000;
  }

  /**
   * Takes one record of the nodes topic written at `atMs`: a heartbeat, or a tombstone (no value) for a node that
   * left. Says whether it was taken; a record that is not a heartbeat, or whose key is not its node id, is refused.
   */
  apply(key: string | null, value: Uint8Array | null, atMs: number): boolean {
    if (key === null) return this.#refuse(key, "the record has no key (the node id)");
    if (key.endsWith(TREE_KEY_SUFFIX)) return this.#applyTree(key, value, atMs);
    if (value === null || value.length === 0) {
      const known = this.#nodes.get(key);
      if (known) known.leftAtMs = Math.max(atMs, known.seenAtMs);
      return true;
    }
    const decoded = decodeNodeHeartbeat(value);
    if (!decoded.ok) return this.#refuse(key, `${decoded.reason}: ${decoded.detail}`);
    if (decoded.value.nodeId !== key) {
      return this.#refuse(key, `the heartbeat is node '${decoded.value.nodeId}''s, the key says '${key}'`);
    }
    const known = this.#nodes.get(key);
    // Records of one key arrive in order; an older one (a replay, another partition after a change) is not news.
    if (known && known.seenAtMs > atMs && known.leftAtMs === null) return true;
    this.#nodes.set(key, { heartbeat: decoded.value, seenAtMs: atMs, leftAtMs: null });
    return true;
  }

  /** The fleet at `nowMs`, by node id; nodes lost or left longer than the keep time are dropped. */
  view(nowMs: number): RosterEntry[] {
    const out: RosterEntry[] = [];
    for (const [nodeId, n] of this.#nodes) {
      const lostAtMs = n.seenAtMs + this.#lostAfter * n.heartbeat.intervalMs;
      const state: NodeState = n.leftAtMs !== null ? "left" : nowMs > lostAtMs ? "lost" : "live";
      const goneSince = state === "left" ? n.leftAtMs! : state === "lost" ? lostAtMs : null;
      if (goneSince !== null && nowMs - goneSince > this.#keepMs) {
        this.#nodes.delete(nodeId);
        this.#trees.delete(nodeId);
        continue;
      }
      out.push({ nodeId, state, heartbeat: n.heartbeat, seenAtMs: n.leftAtMs ?? n.seenAtMs });
    }
    return out.sort((a, b) => a.nodeId.localeCompare(b.nodeId));
  }

  /** `nodeId`'s latest actor tree and when it was written, if the topic has one. */
  tree(nodeId: string): { tree: NodeTree; atMs: number } | undefined {
    return this.#trees.get(nodeId);
  }

  #applyTree(key: string, value: Uint8Array | null, atMs: number): boolean {
    const nodeId = key.slice(0, -TREE_KEY_SUFFIX.length);
    if (value === null || value.length === 0) {
      this.#trees.delete(nodeId);
      return true;
    }
    const decoded = decodeNodeTree(value);
    if (!decoded.ok) return this.#refuse(key, `${decoded.reason}: ${decoded.detail}`);
    if (decoded.value.nodeId !== nodeId) {
      return this.#refuse(key, `the tree is node '${decoded.value.nodeId}''s, the key says '${nodeId}'`);
    }
    this.#trees.set(nodeId, { tree: decoded.value, atMs });
    return true;
  }

  #refuse(key: string | null, detail: string): false {
    this.refusedCount++;
    this.refused.push({ key, detail });
    if (this.refused.length > 20) this.refused.shift();
    return false;
  }
}
