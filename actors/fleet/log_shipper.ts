/**
 * The log shipper actor: every `flushMs` it takes the lines a node's {@link LogGate}
 * let through and writes them to the fleet's log topic (protocols/log_record.ts),
 * keyed by node id; when the gate dropped lines since the last flush, one line of its
 * own says how many. The topic is created when missing (fleet_topics.ts). The lines of a flush Kafka does not take wait for the next flush (a
 * node's first lines, sent while the topics are still being created, are the ones that
 * matter most), at most `keepUnsent` of them: beyond that the oldest are dropped,
 * counted, and said in the next line about dropped lines. A refused flush is logged
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
import { ensureLogsTopic } from "./fleet_topics.ts";

/** The shipper's own message. */
export type LogShipperMsg = { type: "logs.flush" };

/** Running figures. */
export interface LogShipperStats {
  /** Lines on the log topic. */
  shipped: number;
  /** Lines of flushes Kafka did not take (each time; they wait for the next flush). */
  failed: number;
  /** Lines dropped because more than `keepUnsent` were waiting. */
  lost: number;
  /** Flushes Kafka took. */
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
  /** How often the lines are shipped, in milliseconds. @default 250 */
  flushMs?: number;
  /** The most lines kept for the next flush after Kafka did not take one (the oldest go first). @default 2000 */
  keepUnsent?: number;
  stats?: LogShipperStats;
}

interface State {
  client: KafkaClient;
  producer: KafkaProducer | null;
  failing: number;
  /** Records of refused flushes, oldest first, for the next flush. */
  unsent: { key: string; value: string }[];
  /** Lines dropped from `unsent` since the last line saying so. */
  lostUnsaid: number;
}

const FLUSH: LogShipperMsg = { type: "logs.flush" };

/** Zeroed figures. */
export function newLogShipperStats(): LogShipperStats {
  return { shipped: 0, failed: 0, lost: 0, flushes: 0 };
}

/** The shipper's behaviour. */
export function logShipper(options: LogShipperOptions): Behaviour<LogShipperMsg, State> {
  const stats = options.stats ?? newLogShipperStats();
  const flush = async (state: State, log: Logger) => {
    const { lines, dropped } = options.gate.take();
    if (dropped + state.lostUnsaid > 0) {
      lines.push(JSON.stringify({
        ts: new Date().toISOString(),
        level: "warn",
        msg: "log lines dropped",
        node: options.nodeId,
        dropped: dropped + state.lostUnsaid,
        droppedTotal: options.gate.droppedTotal + stats.lost,
      }));
      state.lostUnsaid = 0;
    }
    const records = [
      ...state.unsent,
      ...lines.flatMap((line) => {
        const value = encodeLogRecord(options.nodeId, options.roles, line);
        return value === null ? [] : [{ key: options.nodeId, value }];
      }),
    ];
    state.unsent = [];
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
      const over = Math.max(0, records.length - (options.keepUnsent ?? 2_000));
      state.unsent = records.slice(over);
      stats.lost += over;
      state.lostUnsaid += over;
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
      return Promise.resolve({ client, producer: null, failing: 0, unsent: [], lostUnsaid: 0 });
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
