/**
 * The db role's Kafka consumer: troupe's topic consumer (actors/kafka/consumer.ts)
 * on the images and inferences topics, feeding the upserter (actors/db/, which knows
 * nothing of Kafka: it answers with the tokens it was handed). Each record is
 * decoded and verified (protocols/); bad ones go to the dead-letter topic with the
 * reason. An offset is committed only after the upserter reports the rows up to
 * it committed in PostgreSQL, so a crash anywhere replays rows, which the
 * idempotent upsert absorbs, and never skips one. At stop the upserter writes what
 * it holds and the consumer commits up to there.
 */
import {
  type ConsumedRecord,
  type DecodedRecord,
  type KafkaConnection,
  newTopicConsumerStats,
  topicConsumer,
  type TopicConsumerMsg,
  type TopicConsumerStats,
} from "../kafka/mod.ts";
import type { Ack } from "../../protocols/ack.ts";
import { decodeImageEnvelope } from "../../protocols/image_envelope.ts";
import { TRACEPARENT_HEADER } from "../../protocols/trace_context.ts";
import { decodeInferenceEnvelope } from "../../protocols/inference_envelope.ts";
import {
  type ActorProps,
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  childSpec,
  type Readiness,
} from "../../system/mod.ts";
import type { ImageRow, InferenceRow, UpserterMsg } from "../db/mod.ts";

/** Messages of the consumer. */
export type ConsumerMsg = TopicConsumerMsg;

/** Running figures of the consumer, shared with metrics. */
export type ConsumerStats = TopicConsumerStats;

/** Zeroed stats. */
export const newConsumerStats: () => ConsumerStats = newTopicConsumerStats;

/** Options of {@link kafkaConsumer}. */
export interface KafkaConsumerOptions {
  /** The bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  /** The consumer group to join. */
  groupId: string;
  /** The images and inferences topics it consumes, and the dead-letter topic. */
  topics: { images: string; inferences: string; deadletter: string };
  /** The upserter the rows go to. */
  upserter: ActorRef<UpserterMsg>;
  /** Records per chunk handed to the upserter. */
  chunk: number;
  /** The largest record value decoded; a bigger one is dead-lettered (`oversize`). */
  maxMessageBytes: number;
  /** Where the consumer says whether Kafka is reachable (under `dependency`). */
  readiness?: Readiness;
  /** The dependency's name in `readiness`. @default "kafka-consumer" */
  dependency?: string;
  /** Figures to count into (shared with whoever shows them). */
  stats?: ConsumerStats;
  /** Session timeout of the group member. @default 30000 */
  sessionTimeoutMs?: number;
  /**
   * Static membership (Kafka's `group.instance.id`): a member that comes back under the same id within the session
   * timeout takes its partitions back without a rebalance. Ignored by the kafkajs adapter, which has none.
   */
  groupInstanceId?: string;
}

type Row = { image: ImageRow } | { inference: InferenceRow };

/** The consumer's behaviour. */
export function kafkaConsumer(options: KafkaConsumerOptions): Behaviour<ConsumerMsg, unknown> {
  const decode = (r: ConsumedRecord): DecodedRecord<Row> => {
    const traceparent = r.headers[TRACEPARENT_HEADER];
    const traced = traceparent ? { traceparent } : {};
    if (r.topic === options.topics.inferences) {
      const d = decodeInferenceEnvelope(r.value, { maxBytes: options.maxMessageBytes });
      return d.ok ? { ok: true, value: { inference: { ...d.value, ...traced } } } : d;
    }
    const d = decodeImageEnvelope(r.value, { maxBytes: options.maxMessageBytes });
    if (!d.ok) return d;
    const e = d.value.envelope;
    return {
      ok: true,
      value: {
        image: {
          imageId: e.imageId,
          deviceId: e.deviceId,
          seq: e.seq,
          capturedAt: e.capturedAt,
          fine: e.label.fine,
          coarse: e.label.coarse,
          width: e.width,
          height: e.height,
          png: d.value.png,
          sha256: e.sha256,
          ...traced,
        },
      },
    };
  };
  return topicConsumer<Row, UpserterMsg>({
    brokers: options.brokers,
    ...(options.connection ? { connection: options.connection } : {}),
    groupId: options.groupId,
    topics: [options.topics.images, options.topics.inferences],
    deadLetterTopic: options.topics.deadletter,
    decode,
    downstream: options.upserter,
    deliver: (rows, acks, replyTo) => ({
      type: "upsert.rows",
      rows: rows.map((r, i) => ({ ...r, ack: acks[i] as Ack })),
      replyTo,
    }),
    drain: (replyTo) => ({ type: "upsert.flush", replyTo }),
    chunk: options.chunk,
    ...(options.readiness ? { readiness: options.readiness } : {}),
    ...(options.dependency ? { dependency: options.dependency } : {}),
    ...(options.stats ? { stats: options.stats } : {}),
    ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
    ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
  });
}

/** The kafkaConsumer actor as a supervisor's child: `consumer`, capacity 64, 10 s for the final flush and commit. */
export function kafkaConsumerSpec(
  options: KafkaConsumerOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<ConsumerMsg> {
  return childSpec(kafkaConsumer(options), { name: "consumer", capacity: 64, shutdownMs: 10_000 }, props);
}
