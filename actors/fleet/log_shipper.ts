/**
 * The log shipper actor: every `flushMs` it takes the lines a node's {@link LogGate}
 * let through and writes them to the fleet's log topic (protocols/log_record.ts),
 * keyed by node id; when the gate dropped lines since the last flush, one line of its
 * own says how many. The topic is created with bounded retention (six hours, 64 MB)
 * when missing. A flush Kafka does not take loses those lines, is counted and logged
 * once per streak: the node's work never waits on its logs.
 */
import { createKafkaClient, type KafkaClient, type KafkaConnection, type KafkaProducer } from "../kafka/mod.ts";
import { encodeLogRecord } from "../../protocols/mod.ts";
import {
  type ActorProps,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
  type Logger,
} from "../../system/mod.ts";
import type { LogGate } from "./log_gate.ts";

/** The log topic's settings at creation. */
export const LOGS_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  "cleanup.policy": "delete",
  "retention.ms": String(6 * 3_600_000),
  "retention.bytes": String(64 * 1024 * 1024),
  "segment.bytes": String(16 * 1024 * 1024),
};

/** The shipper's own message. */
export type LogShipperMsg = { type: "logs.flush" };

/** Running figures. */
export interface LogShipperStats {
  shipped: number;
  /** Lines lost because Kafka did not take their flush. */
  failed: number;
  flushes: number;
}

/** Options of {@link logShipper}. */
export interface LogShipperOptions {
  brokers: readonly string[];
  connection?: KafkaConnection;
  /** The log topic (`TOPIC_LOGS`). */
  topic: string;
  nodeId: string;
  roles: readonly string[];
  /** Where the node's logger puts the lines to ship. */
  gate: LogGate;
  /** @default 250 */
  flushMs?: number;
  stats?: LogShipperStats;
}

interface State {
  client: KafkaClient;
  producer: KafkaProducer | null;
  failing: number;
}

const FLUSH: LogShipperMsg = { type: "logs.flush" };

/** Zeroed figures. */
export function newLogShipperStats(): LogShipperStats {
  return { shipped: 0, failed: 0, flushes: 0 };
}

/** Creates the log topic when missing. */
export async function ensureLogsTopic(client: KafkaClient, topic: string): Promise<void> {
  await client.ensureTopic(topic, { partitions: 1, configs: { ...LOGS_TOPIC_CONFIGS } });
}

/** The shipper's behaviour. */
export function logShipper(options: LogShipperOptions): Behaviour<LogShipperMsg, State> {
  const stats = options.stats ?? newLogShipperStats();
  const flush = async (state: State, log: Logger) => {
    const { lines, dropped } = options.gate.take();
    if (dropped > 0) {
      lines.push(JSON.stringify({
        ts: new Date().toISOString(),
        level: "warn",
        msg: "log lines dropped",
        node: options.nodeId,
        dropped,
        droppedTotal: options.gate.droppedTotal,
      }));
    }
    const records = lines.flatMap((line) => {
      const value = encodeLogRecord(options.nodeId, options.roles, line);
      return value === null ? [] : [{ key: options.nodeId, value }];
    });
    if (records.length === 0) return;
    try {
      if (!state.producer) {
        await ensureLogsTopic(state.client, options.topic);
        state.producer = await state.client.producer();
      }
      await state.producer.send(options.topic, records);
      stats.shipped += records.length;
      stats.flushes++;
      state.failing = 0;
    } catch (err) {
      stats.failed += records.length;
      if (state.failing++ === 0) {
        log.warn("log lines not shipped to the log topic", { topic: options.topic, error: errorMessage(err) });
      }
    }
  };
  return {
    init(ctx) {
      const client = createKafkaClient({
        ...options.connection,
        brokers: options.brokers,
        clientId: "troupe-logs",
        log: ctx.log,
      });
      ctx.timers.startPeriodic("flush", options.flushMs ?? 250, FLUSH);
      return Promise.resolve({ client, producer: null, failing: 0 });
    },
    async receive(state, _msg, ctx) {
      await flush(state, ctx.log);
      return state;
    },
    async stop(state, ctx) {
      await flush(state, ctx.log);
      await state.client.close();
    },
    describe: () => ({
      topic: options.topic,
      queued: options.gate.queued,
      dropped: options.gate.stats.dropped,
      ...stats,
    }),
  };
}

/** The shipper as a supervisor's child: `log_shipper`. */
export function logShipperSpec(options: LogShipperOptions, props: Partial<ActorProps> = {}): ChildSpec<LogShipperMsg> {
  return childSpec(logShipper(options), { name: "log_shipper", capacity: 4, shutdownMs: 5_000 }, props);
}
