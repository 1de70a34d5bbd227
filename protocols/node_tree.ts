/**
 * A node's actor tree on the fleet's nodes topic, beside its heartbeat: key
 * `<node id>/tree` (a node id has no `/`), value this JSON envelope, version 1, the
 * body `GET /actors` serves; a tombstone when the node stopped gracefully. Sent every
 * few heartbeats, so any node's fleet page can show any node's tree:
 *
 * ```json
 * { "v": 1, "nodeId": "db-1", "sentAt": "2026-12-07T11:05:00.000Z", "actors": { "node": "db-1", "tree": {} } }
 * ```
 */
import { z } from "zod";
import { type Decoded, decodeVersioned } from "./_decode.ts";
import type { ActorsResponse } from "./ops_responses.ts";

/** The envelope version this code writes and reads. */
export const NODE_TREE_VERSION = 1;

/** The key suffix of tree records. */
export const TREE_KEY_SUFFIX = "/tree";

/** Largest tree record written and read (a broker's default message limit is about 1 MB). */
export const NODE_TREE_MAX_BYTES = 900_000;

/** A tree record on the wire. */
export interface NodeTree {
  /** The envelope version. */
  v: 1;
  /** The node's id. */
  nodeId: string;
  /** When the tree was sent (ISO time). */
  sentAt: string;
  /** What the node's `GET /actors` answered when it was sent. */
  actors: ActorsResponse;
}

const schema = z.object({
  v: z.literal(1),
  nodeId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-'"),
  sentAt: z.iso.datetime({ offset: true }),
  actors: z.object({
    node: z.string(),
    tree: z.object({ path: z.string(), children: z.array(z.unknown()) }).passthrough(),
  }).passthrough(),
});

/** The record key of `nodeId`'s tree. */
export function treeKeyOf(nodeId: string): string {
  return `${nodeId}${TREE_KEY_SUFFIX}`;
}

/** The record value of a tree. */
export function encodeNodeTree(tree: NodeTree): string {
  return JSON.stringify(tree);
}

/** Decodes and checks a record value (a tombstone, no value, is the caller's to tell apart first). */
export function decodeNodeTree(value: Uint8Array | null): Decoded<NodeTree> {
  return decodeVersioned<NodeTree>(value, { maxBytes: NODE_TREE_MAX_BYTES, version: NODE_TREE_VERSION, schema });
}
