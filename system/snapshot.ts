/**
 * The introspection view of a live actor tree, as served by `GET /actors`.
 * Plain JSON data: every field is a number, string, boolean, null, array or object.
 */
import { errorCode, errorMessage } from "./errors.ts";
import type { HistogramData } from "./histogram.ts";
import type { MailboxStats } from "./mailbox.ts";

/**
 * Life-cycle status of an actor or supervisor (`suspended`: paused by an operator,
 * its mailbox still taking messages up to its capacity).
 */
export type ActorStatus = "starting" | "running" | "suspended" | "restarting" | "stopping" | "stopped" | "failed";

/** What a supervisor did about one failure of a child (or what an operator did). */
export type FailureAction = "restart" | "escalate" | "remove" | "operator" | "none";

/** One entry of a node's restart history. */
export interface FailureRecord {
  /** ISO 8601 time the supervisor (or operator) acted. */
  at: string;
  /** The error's `code`, when it had one. */
  code: string | null;
  /** The error's message. */
  message: string;
  /** `restart`: restarted with the listed nodes; `escalate`: the supervisor gave up; `remove`: a temporary child was dropped; `operator`: an operator's action; `none`: not restarted, the system was shutting down. */
  action: FailureAction;
  /** Path of the supervisor that acted, or "operator". */
  by: string;
  /** Nodes restarted together (the strategy's choice). */
  restarted: string[];
  /** Wait before the restart, in milliseconds. */
  backoffMs: number | null;
}

/** A supervisor's strategy and the state of its restart budget. */
export interface SupervisionState {
  /** `one_for_one`, `one_for_all` or `rest_for_one`. */
  strategy: string;
  /** Restarts allowed within `periodMs`. */
  intensity: number;
  /** The budget's window in milliseconds. */
  periodMs: number;
  /** Restarts within the current window. */
  restartsInWindow: number;
  /** Restarts left before the next failure escalates. */
  budgetLeft: number;
  /** Delay before the next restart, without jitter, in milliseconds. */
  nextBackoffMs: number;
}

/** The last failure of an actor. */
export interface LastError {
  /** The error's message. */
  message: string;
  /** The error's `code`, when it had one. */
  code: string | null;
  /** ISO 8601 time of the failure. */
  at: string;
}

/** One node of the tree. */
export interface ActorSnapshot {
  /** Full path, e.g. `/troupe/db/upserter`. */
  path: string;
  /** The last segment of the path. */
  name: string;
  /** An actor, or a supervisor (which has children). */
  kind: "actor" | "supervisor";
  /** Running, suspended, restarting, stopped or failed. */
  status: ActorStatus;
  /** Mailbox figures (actors only). */
  mailbox: MailboxStats | null;
  /** Messages handled without error since the node was first started. */
  processed: number;
  /** Failures since the node was first started. */
  failures: number;
  /** Restarts since the node was first started. */
  restarts: number;
  /** The latest failure, if any. */
  lastError: LastError | null;
  /** Milliseconds since the last (re)start; 0 when not running. */
  uptimeMs: number;
  /** Supervisors: strategy and restart budget. */
  supervision: SupervisionState | null;
  /** Actors: handling time of sampled messages (about one turn in 64 across the process), cumulative. */
  processing?: HistogramData | null;
  /** The last failures (at most 10, oldest first) and what was done about each. */
  history?: FailureRecord[];
  /** Actors: whether a message trace is on. */
  traced?: boolean;
  /**
   * Actors whose incarnations handed something to the next (`Behaviour.handover`):
   * how often, when last, and whether it still waits for an `init` to take it.
   */
  handover?: { count: number; lastAt: string | null; waiting: boolean } | null;
  /** Actors: keys of the timers waiting to fire. */
  timers?: readonly string[];
  /** What the actor chooses to show of its state (e.g. a child process id). */
  info: Record<string, unknown> | null;
  /** Supervisors: their children, in start order. */
  children: ActorSnapshot[];
}

/** Calls `visit` on every node of a snapshot, depth first, parents first. */
export function walkSnapshot(root: ActorSnapshot, visit: (node: ActorSnapshot) => void): void {
  visit(root);
  for (const child of root.children) walkSnapshot(child, visit);
}

/** Finds a node by path. */
export function findInSnapshot(root: ActorSnapshot, path: string): ActorSnapshot | undefined {
  let found: ActorSnapshot | undefined;
  walkSnapshot(root, (n) => {
    if (n.path === path) found ??= n;
  });
  return found;
}

/** The {@link LastError} record of a failure, stamped now. */
export function toLastError(err: unknown): LastError {
  return { message: errorMessage(err), code: errorCode(err) ?? null, at: new Date().toISOString() };
}

/** Most entries of a node's restart history. */
export const HISTORY_KEEP = 10;

/** Appends to a restart history, keeping the last {@link HISTORY_KEEP}. */
export function pushHistory(history: FailureRecord[] | null, record: FailureRecord): FailureRecord[] {
  const h = history ?? [];
  h.push(record);
  if (h.length > HISTORY_KEEP) h.shift();
  return h;
}
