/**
 * The inference role's Kafka side, three actors: troupe's topic consumer
 * (actors/kafka/consumer.ts, the one consume-and-commit loop) on the images topic
 * feeds the inference sink (actors/inference/infer_sink.ts, which knows nothing of
 * Kafka), whose results go to a Kafka producer (`results`) on the inferences topic.
 * Each record is decoded and verified (bad ones are dead-lettered); the sink
 * classifies a chunk's images together and hands each result on with its image's
 * token; the producer answers the token once the brokers have the result, and only
 * then is the offset committed. While the pool's queue is full the sink waits, its
 * mailbox fills and every assigned partition is paused, the group session kept
 * alive. An image the pool fails is refused by the sink and dead-lettered with the
 * reason, so nothing blocks the partition.
 */
import type { HopReporter } from "../../protocols/hops.ts";
import { decodeImageEnvelope } from "../../protocols/image_envelope.ts";
import { TRACEPARENT_HEADER } from "../../protocols/trace_context.ts";
import { type ActorRef, type Readiness, startChild, type Supervisor } from "../../system/mod.ts";
import { type ImageItem, inferSink, type InferSinkMsg, type ModelPoolMsg } from "../inference/mod.ts";
import {
  type KafkaConnection,
  kafkaProducerSpec,
  newTopicConsumerStats,
  type ProducerMsg,
  type TopicConsumerMsg,
  topicConsumerSpec,
  type TopicConsumerStats,
} from "../kafka/mod.ts";

/** Running figures: the topic consumer's, and the images classified. */
export interface InferenceConsumerStats extends TopicConsumerStats {
  /** Images the pool classified and the sink handed on. */
  inferred: number;
}

/** Options of {@link startInferenceConsumer}. */
export interface InferenceConsumerOptions {
  /** The bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  /** The consumer group to join. */
  groupId: string;
  /** The images topic it consumes, the inferences topic the results go to, and the dead-letter topic. */
  topics: { images: string; inferences: string; deadletter: string };
  /** The model pool that classifies the images. */
  pool: ActorRef<ModelPoolMsg>;
  /** Records handed to the sink (and so to the pool) together. */
  chunk: number;
  /** The largest record value decoded; a bigger one is dead-lettered (`oversize`). */
  maxMessageBytes: number;
  /** Longest wait for one image's result, ms. */
  timeoutMs: number;
  /** Where the consumer and the results' producer say whether Kafka is reachable. */
  readiness?: Readiness;
  /** Figures to count into (shared with whoever shows them). */
  stats?: InferenceConsumerStats;
  /** Static membership (Kafka's `group.instance.id`); see the Kafka capability's batch consumer. */
  groupInstanceId?: string;
  /** Told each image consumed, inferred and its result produced (the node samples and ships them: protocols/hops.ts). */
  hops?: HopReporter;
}

/** Zeroed stats. */
export function newInferenceConsumerStats(): InferenceConsumerStats {
  return { ...newTopicConsumerStats(), inferred: 0 };
}

/** The three actors started. */
export interface InferenceConsumer {
  /** `results`: the Kafka producer on the inferences topic; answers each result's token once the brokers have it. */
  results: ActorRef<ProducerMsg>;
  /** `infer`: classifies a chunk's images and hands the results on. */
  sink: ActorRef<InferSinkMsg>;
  /** `consumer`: the group member on the images topic. */
  consumer: ActorRef<TopicConsumerMsg>;
}

/**
 * Starts the results producer (`results`), the sink (`infer`, two chunks of mailbox)
 * and then the consumer feeding it (`consumer`) under `parent`; at a stop the
 * consumer goes first, the producer last (it sends what it holds).
 */
export async function startInferenceConsumer(
  parent: Supervisor,
  options: InferenceConsumerOptions,
): Promise<InferenceConsumer> {
  const stats = options.stats ?? newInferenceConsumerStats();
  const results = await startChild(
    parent,
    kafkaProducerSpec({
      brokers: options.brokers,
      ...(options.connection ? { connection: options.connection } : {}),
      batchSize: options.chunk,
      lingerMs: 2,
      ...(options.readiness ? { readiness: options.readiness } : {}),
      dependency: "kafka-inference-results",
      clientId: "troupe-inference",
      onSent: (records, at) => {
        for (const r of records) options.hops?.("result_produced", r.headers?.[TRACEPARENT_HEADER], at);
      },
    }, { name: "results" }),
  );
  const sink = await startChild(parent, {
    behaviour: inferSink({
      results,
      inferencesTopic: options.topics.inferences,
      pool: options.pool,
      timeoutMs: options.timeoutMs,
      stats,
      ...(options.hops ? { hops: options.hops } : {}),
    }),
    props: { name: "infer", capacity: 2, shutdownMs: 10_000 },
  });
  const consumer = await startChild(
    parent,
    topicConsumerSpec<ImageItem, InferSinkMsg>({
      brokers: options.brokers,
      ...(options.connection ? { connection: options.connection } : {}),
      groupId: options.groupId,
      topics: [options.topics.images],
      deadLetterTopic: options.topics.deadletter,
      decode: (record) => {
        const d = decodeImageEnvelope(record.value, { maxBytes: options.maxMessageBytes });
        if (!d.ok) return d;
        const traceparent = record.headers[TRACEPARENT_HEADER];
        options.hops?.("consumed", traceparent, Date.now());
        return {
          ok: true,
          value: {
            imageId: d.value.envelope.imageId,
            capturedAt: d.value.envelope.capturedAt,
            png: d.value.png,
            ...(traceparent ? { traceparent } : {}),
          },
        };
      },
      downstream: sink,
      // The sink answers every token itself, failing or not: it passes it on with its result or answers `retry`.
      watchSink: false,
      deliver: (images, acks, replyTo) => ({ type: "infer.images", images, acks, replyTo }),
      chunk: options.chunk,
      ...(options.readiness ? { readiness: options.readiness } : {}),
      dependency: "kafka-inference-consumer",
      stats,
      ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
    }, { capacity: 16 }),
  );
  return { results, sink, consumer };
}
