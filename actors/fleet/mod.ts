/**
 * The fleet seen from Kafka: each node's heartbeat and actor tree on a compacted
 * topic (the heartbeat actor); the roster any node builds from it; the pipeline's
 * offsets over time, each group judged in Burrow's terms; skew, flow, throughput,
 * latency and alerts assembled into one view (the watch); the log gate, shipper and
 * tail; hop reports and traces. Every node beats (node/fleet.ts) and serves
 * `GET /fleet` and the fleet page.
 * @module
 */
export {
  type HeartbeatMsg,
  type HeartbeatOptions,
  heartbeatPublisher,
  heartbeatPublisherSpec,
  type HeartbeatSnapshot,
  type HeartbeatStats,
  newHeartbeatStats,
} from "./heartbeat.ts";
export { ensureLogsTopic, ensureNodesTopic, LOGS_TOPIC_CONFIGS, NODES_TOPIC_CONFIGS } from "./fleet_topics.ts";
export { type NodeState, type RefusedRecord, Roster, type RosterEntry, type RosterOptions } from "./roster.ts";
export { type FleetWatch, type FleetWatchOptions, watchFleet } from "./watcher.ts";
export {
  type GroupJudgement,
  type GroupSample,
  type GroupStatus,
  judgeGroup,
  type JudgeOptions,
} from "./group_status.ts";
export {
  committedSum,
  groupRate,
  groupSamplesOf,
  OffsetsHistory,
  type OffsetsHistoryOptions,
  type OffsetsReader,
  type OffsetsSample,
  topicRate,
  type WatchedGroup,
} from "./offsets_history.ts";
export { DB_GROUP_KEYS, findSkew, INFERENCE_GROUP_KEYS, PIPELINE_KEYS, type Skew, skewOf } from "./skew.ts";
export { fleetView, type FleetViewInput, type PipelineNames, pipelineOf, watchedOf } from "./view.ts";
export { lineLevel, LogGate, type LogGateOptions, type LogGateStats, type ShipLevel } from "./log_gate.ts";
export {
  logShipper,
  type LogShipperMsg,
  type LogShipperOptions,
  logShipperSpec,
  type LogShipperStats,
  newLogShipperStats,
} from "./log_shipper.ts";
export { type LogFilter, LogTail, matchesLog, parseSince } from "./log_tail.ts";
export { type FollowedTopic, followTopic } from "./follow_topic.ts";
export { hopReporter } from "./hop_reporter.ts";
export { assembleTrace, type HopReport, HopStore } from "./hop_store.ts";
