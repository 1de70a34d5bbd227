/**
 * The fleet seen from Kafka (issue 21, in progress): each node's heartbeat on a
 * compacted topic and the roster any node builds from it. Not wired into the
 * nodes yet.
 * @module
 */
export { type NodeState, type RefusedRecord, Roster, type RosterEntry, type RosterOptions } from "./roster.ts";
