/**
 * The heartbeat actor: every `intervalMs` it writes the node's heartbeat
 * (protocols/node_heartbeat.ts) to the fleet's compacted nodes topic, keyed by node
 * id, and every few beats its actor tree (protocols/node_tree.ts, key `<id>/tree`);
 * a graceful stop writes tombstones, so the fleet sees the node leave instead of
 * waiting three intervals to call it lost. A heartbeat Kafka does not take is
 * counted and logged, never a failure of the actor: the node's work goes on, and the
 * fleet sees the missing beats.
 */
import { createKafkaClient, type KafkaClient, type KafkaConnection, type KafkaProducer } from "../kafka/mod.ts";
import { type ActorsResponse, encodeNodeHeartbeat, encodeNodeTree, type NodeHeartbeat } from "../../protocols/mod.ts";
import { NODE_TREE_MAX_BYTES, treeKeyOf } from "../../protocols/node_tree.ts";
import {
  type ActorProps,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
  type Logger,
} from "../../system/mod.ts";
import { ensureNodesTopic } from "./fleet_topics.ts";

/** The heartbeat actor's own message. */
export type HeartbeatMsg = { type: "fleet.beat" };

/** What a node says of itself, without what the actor adds (the version, the time, the interval). */
export type HeartbeatSnapshot = Omit<NodeHeartbeat, "v" | "sentAt" | "intervalMs">;

/** Running figures of the heartbeat actor. */
export interface HeartbeatStats {
  sent: number;
  failed: number;
  lastSentAt: string | null;
  /** Actor trees sent, and skipped for their size. */
  treesSent: number;
  treesTooLarge: number;
  /** Bytes of the last heartbeat and tree records. */
  heartbeatBytes: number;
  treeBytes: number;
}

/** Options of {@link heartbeatPublisher}. */
export interface HeartbeatOptions {
  brokers: readonly string[];
  connection?: KafkaConnection;
  /** The compacted nodes topic (`TOPIC_NODES`). */
  topic: string;
  /** How often (`HEARTBEAT_MS`). */
  intervalMs: number;
  /** The node's state now; called at each beat. */
  snapshot(): HeartbeatSnapshot;
  /** The node's actor tree as `GET /actors` serves it; none sent when not given. */
  tree?: () => ActorsResponse;
  /** Send the tree every this many beats (the first beat included). @default 5 */
  treeEveryBeats?: number;
  stats?: HeartbeatStats;
}

interface State {
  client: KafkaClient;
  /** Made at the first beat Kafka answers (the node starts whether or not Kafka is up). */
  producer: KafkaProducer | null;
  /** Beats that failed in a row (one warning per streak). */
  failing: number;
}

const BEAT: HeartbeatMsg = { type: "fleet.beat" };

/** Zeroed figures. */
export function newHeartbeatStats(): HeartbeatStats {
  return { sent: 0, failed: 0, lastSentAt: null, treesSent: 0, treesTooLarge: 0, heartbeatBytes: 0, treeBytes: 0 };
}

/** The heartbeat actor's behaviour. */
export function heartbeatPublisher(options: HeartbeatOptions): Behaviour<HeartbeatMsg, State> {
  const stats = options.stats ?? newHeartbeatStats();
  const treeEvery = options.treeEveryBeats ?? 5;
  let nodeId: string | null = null;
  let beats = 0;
  const records = (ctx: { log: Logger }) => {
    const sentAt = new Date().toISOString();
    const heartbeat: NodeHeartbeat = { v: 1, ...options.snapshot(), sentAt, intervalMs: options.intervalMs };
    nodeId = heartbeat.nodeId;
    const value = encodeNodeHeartbeat(heartbeat);
    stats.heartbeatBytes = value.length;
    const out = [{ key: heartbeat.nodeId, value }];
    if (options.tree && beats++ % treeEvery === 0) {
      const tree = encodeNodeTree({ v: 1, nodeId: heartbeat.nodeId, sentAt, actors: options.tree() });
      if (tree.length <= NODE_TREE_MAX_BYTES) {
        out.push({ key: treeKeyOf(heartbeat.nodeId), value: tree });
        stats.treeBytes = tree.length;
      } else if (stats.treesTooLarge++ === 0) {
        ctx.log.warn("actor tree not sent: larger than a tree record may be", {
          bytes: tree.length,
          limit: NODE_TREE_MAX_BYTES,
        });
      }
    }
    return { records: out, sentAt };
  };
  return {
    init(ctx) {
      const client = createKafkaClient({
        ...options.connection,
        brokers: options.brokers,
        clientId: "troupe-fleet",
        log: ctx.log,
      });
      // Nothing connects here: a node whose Kafka is not up yet still starts, and beats once Kafka answers.
      ctx.timers.startPeriodic("beat", options.intervalMs, BEAT);
      ctx.self.trySend(BEAT);
      return Promise.resolve({ client, producer: null, failing: 0 });
    },
    async receive(state, _msg, ctx) {
      const r = records(ctx);
      try {
        if (!state.producer) {
          await ensureNodesTopic(state.client, options.topic);
          state.producer = await state.client.producer();
        }
        await state.producer.send(options.topic, r.records);
        stats.sent++;
        if (r.records.length > 1) stats.treesSent++;
        stats.lastSentAt = r.sentAt;
        if (state.failing > 0) ctx.log.info("heartbeats sent again", { missed: state.failing });
        state.failing = 0;
      } catch (err) {
        stats.failed++;
        if (state.failing++ === 0) {
          ctx.log.warn("heartbeat not sent: the fleet will see this node lost if this goes on", {
            topic: options.topic,
            error: errorMessage(err),
          });
        }
      }
      return state;
    },
    async stop(state, ctx) {
      try {
        if (state.producer && nodeId !== null) {
          const keys = options.tree ? [nodeId, treeKeyOf(nodeId)] : [nodeId];
          await state.producer.send(options.topic, keys.map((key) => ({ key, value: null })));
        }
      } catch (err) {
        ctx.log.warn("no tombstone written: the fleet will see this node lost, not left", { error: errorMessage(err) });
      }
      await state.client.close();
    },
    describe: () => ({ topic: options.topic, intervalMs: options.intervalMs, treeEveryBeats: treeEvery, ...stats }),
  };
}

/** The heartbeat actor as a supervisor's child: `heartbeat`, capacity 4 (a beat waits at most behind one). */
export function heartbeatPublisherSpec(
  options: HeartbeatOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<HeartbeatMsg> {
  return childSpec(heartbeatPublisher(options), { name: "heartbeat", capacity: 4, shutdownMs: 5_000 }, props);
}
