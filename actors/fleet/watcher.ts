/**
 * The fleet as one node sees it: the nodes topic read from its beginning and then as
 * it grows, each record applied to a {@link Roster} at its broker time; and the
 * pipeline's offsets read every few seconds into an {@link OffsetsHistory}. What is
 * not a heartbeat is logged once per record and counted, never thrown.
 */
import { createKafkaClient, type KafkaConnection } from "../kafka/mod.ts";
import { type FollowedTopic, followTopic } from "./follow_topic.ts";
import { type Logger, silentLogger } from "../../system/mod.ts";
import type { FleetTrace, FleetView } from "../../protocols/fleet_view.ts";
import { decodeLogRecord } from "../../protocols/log_record.ts";
import { assembleTrace, HopStore } from "./hop_store.ts";
import type { NodeTree } from "../../protocols/node_tree.ts";
import type { LogRecord } from "../../protocols/log_record.ts";
import { type LogFilter, LogTail } from "./log_tail.ts";
import { ensureLogsTopic, ensureNodesTopic } from "./fleet_topics.ts";
import { OffsetsHistory } from "./offsets_history.ts";
import { Roster, type RosterEntry, type RosterOptions } from "./roster.ts";
import { fleetView, type PipelineNames, pipelineOf, watchedOf } from "./view.ts";

/** Options of {@link watchFleet}. */
export interface FleetWatchOptions extends RosterOptions {
  brokers: readonly string[];
  connection?: KafkaConnection;
  /** The nodes topic. */
  topic: string;
  /** The pipeline's topics and groups as this node knows them (watched even when no node reports them). */
  pipeline: PipelineNames;
  /** How often offsets are read. @default 5000 */
  offsetsIntervalMs?: number;
  /** The log topic to keep a tail of (its last `logsKept` lines); none when not given. */
  logsTopic?: string;
  /** @default 1000 */
  logsKept?: number;
  log?: Logger;
}

/** A running watch. */
export interface FleetWatch {
  /**
   * Resolves once the records the nodes topic (and the log topic) held when the watch started have been read (so a
   * first view is the whole fleet, not the part read so far), or after `timeoutMs` (default 10 s).
   */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Every node seen, and its state at `nowMs` (default: now). */
  entries(nowMs?: number): RosterEntry[];
  /** The whole view (`GET /fleet`) at `nowMs` (default: now). */
  view(nowMs?: number): FleetView;
  /** Reads the offsets once more now (the view's figures are otherwise as of the last round). */
  refreshOffsets(): Promise<void>;
  /** The last log lines that pass `filter` (at most `limit`), oldest first; none without a log topic. */
  logs(filter?: LogFilter, limit?: number): LogRecord[];
  /** `nodeId`'s latest actor tree, if the topic has one. */
  tree(nodeId: string): NodeTree | undefined;
  /** One image's hops as the nodes reported them, given whether its trace is in the sample. */
  trace(traceId: string, sampled: boolean): FleetTrace;
  /** The trace ids most recently reported, newest first. */
  recentTraces(n?: number): string[];
  /** Records of the topic that were not heartbeats. */
  refused(): number;
  stop(): Promise<void>;
}

/** Starts reading the nodes topic and the pipeline's offsets. */
export async function watchFleet(options: FleetWatchOptions): Promise<FleetWatch> {
  const log = options.log ?? silentLogger;
  const client = createKafkaClient({
    ...options.connection,
    brokers: options.brokers,
    clientId: "troupe-fleet-watch",
    log,
  });
  const roster = new Roster(options);
  const since = Date.now();
  const history = new OffsetsHistory({
    reader: client,
    watched: () => {
      const entries = roster.view(Date.now());
      return watchedOf(entries, pipelineOf(entries, options.pipeline));
    },
    log,
  });
  let nodes: FollowedTopic | null = null;
  let logsReader: FollowedTopic | null = null;
  const tail = new LogTail(options.logsKept ?? 1_000);
  const hops = new HopStore();
  try {
    await ensureNodesTopic(client, options.topic);
    nodes = await followTopic(client, options.topic, (r) => {
      const key = r.key === null ? null : new TextDecoder().decode(r.key);
      if (!roster.apply(key, r.value, r.timestamp)) {
        log.warn("a record of the nodes topic is not a heartbeat: skipped", {
          topic: options.topic,
          offset: r.offset,
          ...roster.refused.at(-1),
        });
      }
    });
    if (options.logsTopic) {
      await ensureLogsTopic(client, options.logsTopic);
      logsReader = await followTopic(client, options.logsTopic, (r) => {
        const d = decodeLogRecord(r.value);
        if (d.ok) {
          // Hop reports go to the traces, not the tail.
          if (!hops.apply(d.value)) tail.add(d.value);
        } else if (tail.refused++ === 0) {
          log.warn("a record of the log topic is not a log line: skipped (counted, logged once)", {
            topic: options.logsTopic,
            offset: r.offset,
            reason: d.reason,
          });
        }
      });
    }
  } catch (err) {
    await nodes?.stop().catch(() => {});
    await client.close();
    throw err;
  }
  const nodesReader = nodes;
  let round: Promise<void> | null = null;
  const refreshOffsets = () => (round ??= history.sample(Date.now()).finally(() => (round = null)));
  void refreshOffsets();
  const timer = setInterval(() => void refreshOffsets(), options.offsetsIntervalMs ?? 5_000);
  (timer as { unref?: () => void }).unref?.();
  return {
    caughtUp: async (timeoutMs = 10_000) => {
      await Promise.all([nodesReader.caughtUp(timeoutMs), logsReader?.caughtUp(timeoutMs)]);
    },
    entries: (nowMs = Date.now()) => roster.view(nowMs),
    view: (nowMs = Date.now()) =>
      fleetView({
        topic: options.topic,
        entries: roster.view(nowMs),
        samples: history.samples(),
        pipeline: options.pipeline,
        nowMs,
        watchingSinceMs: since,
        refused: roster.refusedCount,
      }),
    refreshOffsets,
    tree: (nodeId) => roster.tree(nodeId)?.tree,
    logs: (filter, limit) => tail.lines(filter, limit),
    trace: (traceId, sampled) => assembleTrace(traceId, hops.reports(traceId), sampled),
    recentTraces: (n) => hops.recent(n),
    refused: () => roster.refusedCount,
    stop: async () => {
      clearInterval(timer);
      await round?.catch(() => {});
      await nodesReader.stop();
      await logsReader?.stop();
      await client.close();
    },
  };
}
