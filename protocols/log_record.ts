/**
 * A node's log line on the fleet's log topic (`troupe.logs`): key = node id, value this
 * JSON envelope, version 1: the line as the node's logger wrote it (`ts`, `level`,
 * `msg`, `node`, `actor` and the line's own fields, a `traceId` on lines about an
 * image) and the node's roles, so the fleet can filter by role. Lines are rate-limited
 * per node before they get here (actors/fleet/log_gate.ts); a shipper that dropped
 * lines says so in a line of its own (`msg` "log lines dropped", `dropped`).
 *
 * ```json
 * { "v": 1, "node": "db-1", "roles": ["db"],
 *   "line": { "ts": "2026-12-07T11:05:00.000Z", "level": "warn", "msg": "record dead-lettered",
 *             "node": "db-1", "actor": "/troupe/db/consumer", "reason": "not_png", "traceId": "4bf9…" } }
 * ```
 */
import { z } from "zod";
import { type Decoded, decodeVersioned } from "./_decode.ts";

/** The envelope version this code writes and reads. */
export const LOG_RECORD_VERSION = 1;

/** Largest log record read (a line is cut to fit well below it when shipped). */
export const LOG_RECORD_MAX_BYTES = 65_536;

/** One log line as the logger wrote it. */
export interface LogLine {
  /** When the line was written (ISO time). */
  ts: string;
  /** Its level. */
  level: "debug" | "info" | "warn" | "error";
  /** What happened, in a few words (the line's own fields say the rest). */
  msg: string;
  /** The node that wrote it. */
  node?: string;
  /** The actor that wrote it (its path). */
  actor?: string;
  /** The trace id of the image the line is about. */
  traceId?: string;
  /** The line's own fields. */
  [field: string]: unknown;
}

/** What a reader of the log topic keeps (`GET /fleet/logs`, `npm run logs`). */
export interface LogFilter {
  /** Lines of this node only. */
  node?: string;
  /** Lines of nodes that run this role only. */
  role?: string;
  /** At or above. */
  level?: "debug" | "info" | "warn" | "error";
  /** A part of the actor's path. */
  actor?: string;
  /** Lines of this trace only. */
  trace?: string;
  /** Lines written at or after this time (ms since the epoch). */
  sinceMs?: number;
}

/** A log record on the wire. */
export interface LogRecord {
  /** The envelope version. */
  v: 1;
  /** The node's id (the record's key). */
  node: string;
  /** The node's roles. */
  roles: string[];
  /** The line as the node's logger wrote it. */
  line: LogLine;
}

const schema = z.object({
  v: z.literal(1),
  node: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-'"),
  roles: z.array(z.string().min(1).max(32)).max(16),
  line: z.object({
    ts: z.iso.datetime({ offset: true }),
    level: z.enum(["debug", "info", "warn", "error"]),
    msg: z.string().max(4096),
    actor: z.string().max(512).optional(),
    traceId: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  }).passthrough(),
});

/**
 * The record value of a line the logger wrote (`line`, JSON text): the envelope around it, or null when the line is
 * not a logger's line. A line longer than `maxBytes` keeps its time, level, message, node, actor and trace id, and
 * says it was cut.
 */
export function encodeLogRecord(
  node: string,
  roles: readonly string[],
  line: string,
  maxBytes = 16_384,
): string | null {
  let parsed: LogLine;
  try {
    parsed = JSON.parse(line) as LogLine;
  } catch {
    return null;
  }
  const value = JSON.stringify({ v: 1, node, roles, line: parsed });
  if (value.length <= maxBytes) return value;
  const { ts, level, msg, actor, traceId } = parsed;
  const cut: LogLine = {
    ts,
    level,
    msg: msg.slice(0, 2048),
    node,
    ...(actor ? { actor } : {}),
    ...(traceId ? { traceId } : {}),
    cut: `the line was ${value.length} bytes; its fields were left out`,
  };
  return JSON.stringify({ v: 1, node, roles, line: cut });
}

/** Decodes and checks a record value. */
export function decodeLogRecord(value: Uint8Array | null): Decoded<LogRecord> {
  return decodeVersioned<LogRecord>(value, { maxBytes: LOG_RECORD_MAX_BYTES, version: LOG_RECORD_VERSION, schema });
}
