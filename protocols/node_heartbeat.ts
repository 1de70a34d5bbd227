/**
 * A node's heartbeat on the fleet's compacted topic (`troupe.nodes`): key = node id,
 * value = this JSON envelope, version 1; a tombstone (no value) when the node stopped
 * gracefully. Every node publishes its own every `intervalMs`, so any node can show
 * the whole fleet from Kafka alone:
 *
 * ```json
 * { "v": 1, "nodeId": "db-1", "roles": ["db"], "host": "db-host", "opsUrl": "http://10.0.0.3:7070",
 *   "version": "0.1.0", "commit": "fb5a572", "startedAt": "2026-12-07T11:00:00.000Z",
 *   "sentAt": "2026-12-07T11:05:00.000Z", "intervalMs": 2000, "ready": true, "waitingFor": [],
 *   "fingerprint": { "topicImages": "troupe.images", "dbGroup": "troupe-db" },
 *   "figures": { "imagesStored": 40210, "imagesStoredPerS": 812.5, "restarts": 0, "restarts5m": 0 },
 *   "lastError": null }
 * ```
 */
import { z } from "zod";
import { type Decoded, decodeVersioned } from "./_decode.ts";
import type { HistogramData } from "../system/observe.ts";

/** The envelope version this code writes and reads. */
export const NODE_HEARTBEAT_VERSION = 1;

/** A heartbeat on the wire. */
export interface NodeHeartbeat {
  /** The envelope version. */
  v: 1;
  /** The node's id: 1 to 64 letters, digits, `.`, `_` or `-` (the record's key). */
  nodeId: string;
  /** The roles it runs. */
  roles: string[];
  /** The host name it runs on. */
  host: string;
  /** Where the node's ops endpoint answers (its mount point included); null when it has none. */
  opsUrl: string | null;
  /** troupe's version and the commit it was built from ("unknown" outside git). */
  version: string;
  /** The commit troupe was built from ("unknown" outside git). */
  commit: string;
  /** When the node started (ISO time). */
  startedAt: string;
  /** When this heartbeat was sent (ISO time). */
  sentAt: string;
  /** How often this node sends: the fleet counts it lost after three intervals without one. */
  intervalMs: number;
  /** Whether the node is ready (its `GET /readyz`). */
  ready: boolean;
  /** What the node waits for before it is ready (a broker, a database, a topic), in its own words. */
  waitingFor: string[];
  /** Settings that members of one group must share (topics, schema, group ids, model and its hash): skew shows here. */
  fingerprint: Record<string, string | number>;
  /** Key figures (rates, queue depths, restarts in the window). */
  figures: Record<string, number>;
  /**
   * Histograms over the last minute, by name (`captureToImageRow`, `captureToInferenceRow`: buckets of 2^i ms,
   * protocols/capture_latency.ts), so the fleet can merge several nodes' into one set of quantiles.
   */
  histograms?: Record<string, HistogramData>;
  /** The last error it logged, else null. */
  lastError: string | null;
}

const text = (max: number) => z.string().min(1).max(max);

const schema = z.object({
  v: z.literal(1),
  nodeId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-'"),
  roles: z.array(text(32)).max(16),
  host: text(253),
  opsUrl: z.string().url().max(2048).nullable(),
  version: text(64),
  commit: text(64),
  startedAt: z.iso.datetime({ offset: true }),
  sentAt: z.iso.datetime({ offset: true }),
  intervalMs: z.number().int().min(100).max(3_600_000),
  ready: z.boolean(),
  waitingFor: z.array(text(512)).max(32),
  fingerprint: z.record(z.string().max(64), z.union([z.string().max(512), z.number()])),
  figures: z.record(z.string().max(64), z.number()),
  histograms: z.record(
    z.string().max(64),
    z.object({ counts: z.array(z.number().min(0)).max(64), sum: z.number(), count: z.number().min(0) }),
  ).optional(),
  lastError: z.string().max(2048).nullable(),
});

/** The record value of a heartbeat. */
export function encodeNodeHeartbeat(heartbeat: NodeHeartbeat): string {
  return JSON.stringify(heartbeat);
}

/** Decodes and checks a record value (a tombstone, no value, is the caller's to tell apart first). */
export function decodeNodeHeartbeat(
  value: Uint8Array | null,
  options: { maxBytes?: number } = {},
): Decoded<NodeHeartbeat> {
  return decodeVersioned<NodeHeartbeat>(value, {
    maxBytes: options.maxBytes ?? 65_536,
    version: NODE_HEARTBEAT_VERSION,
    schema,
  });
}
