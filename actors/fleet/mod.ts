/**
 * The fleet seen from Kafka (issue 21, in progress): each node's heartbeat on a
 * compacted topic (the heartbeat actor), and the roster any node builds from it
 * (the watch). Every node beats (node/fleet.ts) and serves `GET /fleet`.
 * @module
 */
export {
  type HeartbeatMsg,
  type HeartbeatOptions,
  heartbeatPublisher,
  heartbeatPublisherSpec,
  type HeartbeatSnapshot,
  type HeartbeatStats,
} from "./heartbeat.ts";
export { ensureNodesTopic, NODES_TOPIC_CONFIGS } from "./nodes_topic.ts";
export { type NodeState, type RefusedRecord, Roster, type RosterEntry, type RosterOptions } from "./roster.ts";
export { type FleetWatch, type FleetWatchOptions, watchFleet } from "./watcher.ts";
