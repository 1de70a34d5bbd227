/**
 * Producer: batches records (`batchSize`, or what arrived within `lingerMs`) and
 * sends them with the Kafka client's idempotent producer, acks=all. A send that fails after
 * the client's own retries fails the actor; the batch is kept across the restart and
 * sent first by the next incarnation, so a broker outage loses nothing.
 */
import { type Ack, type AckReply, answerSource } from "../../protocols/ack.ts";
import type { RecordOut } from "../../protocols/record_out.ts";
import {
  createKafkaClient,
  type KafkaClient,
  type KafkaConnection,
  type KafkaProducer,
  type OutgoingRecord,
} from "./client.ts";
import {
  type ActorContext,
  type ActorProps,
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
  LingerBatch,
  type Readiness,
  TroupeError,
} from "../../system/mod.ts";

/** Messages of the producer: records to send (protocols/record_out.ts), and a flush. */
export type ProducerMsg =
  | RecordOut
  | { type: "producer.flush"; replyTo?: ActorRef<{ type: "producer.flushed"; sent: number }> };

/** Kafka did not take a batch. */
export class ProduceFailed extends TroupeError {
  /** An error for `records` records Kafka did not take, and why. */
  constructor(records: number, cause: unknown) {
    super("TROUPE_ERR_PRODUCE", `Kafka did not take ${records} records: ${errorMessage(cause)}`, {
      cause,
      retriable: true,
    });
  }
}

/** Running figures of the producer. */
export interface ProducerStats {
  /** Records the brokers took. */
  sent: number;
  /** Bytes of those records' values. */
  bytes: number;
  /** Produce requests made (batches sent). */
  requests: number;
  /** Batches that failed. */
  errors: number;
}

/** Options of {@link kafkaProducer}. */
export interface KafkaProducerOptions {
  /** The bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  /** Records per batch: a full batch is sent at once. */
  batchSize: number;
  /** How long the first record of a batch waits for more, in milliseconds. */
  lingerMs: number;
  /** Compression of each batch. */
  compression?: "none" | "gzip";
  /** Where the producer says whether Kafka is reachable (under `dependency`). */
  readiness?: Readiness;
  /** The dependency's name in `readiness`. @default "kafka-producer" */
  dependency?: string;
  /** The client id the brokers see. @default "troupe-simulator" */
  clientId?: string;
  /** Figures to count into (shared with whoever shows them). */
  stats?: ProducerStats;
  /** Told the records of each batch the brokers took, and when (a node reports the images' hops from them). */
  onSent?: (records: readonly OutgoingRecord[], atMs: number) => void;
}

/** A record waiting in the batch, and the token to answer once it is sent. */
interface Pending {
  topic: string;
  record: OutgoingRecord;
  ack?: Ack;
  replyTo?: ActorRef<AckReply>;
}

interface State {
  client: KafkaClient;
  producer: KafkaProducer;
  batch: LingerBatch<Pending>;
  /** The last send failed: a restart is coming, and the batch goes to the next incarnation. */
  failed: boolean;
}

/** Zeroed stats. */
export function newProducerStats(): ProducerStats {
  return { sent: 0, bytes: 0, requests: 0, errors: 0 };
}

const FLUSH: ProducerMsg = { type: "producer.flush" };

/**
 * The producer's behaviour. A batch Kafka did not take is handed to the next
 * incarnation, which sends it first.
 */
export function kafkaProducer(options: KafkaProducerOptions): Behaviour<ProducerMsg, unknown, unknown> {
  return producer(options);
}

function producer(options: KafkaProducerOptions): Behaviour<ProducerMsg, State, Pending[]> {
  const dep = options.dependency ?? "kafka-producer";
  const stats = options.stats ?? newProducerStats();
  options.readiness?.declare(dep, "not connected yet");

  const flush = async (state: State, ctx: ActorContext<ProducerMsg>) => {
    const pending = state.batch.items;
    if (pending.length === 0) return;
    const byTopic = new Map<string, OutgoingRecord[]>();
    for (const p of pending) byTopic.set(p.topic, [...(byTopic.get(p.topic) ?? []), p.record]);
    try {
      for (const [topic, records] of byTopic) {
        await state.producer.send(topic, records);
        stats.requests++;
      }
    } catch (err) {
      stats.errors++;
      state.failed = true;
      options.readiness?.set(dep, false, `send failed: ${errorMessage(err)}`);
      throw new ProduceFailed(pending.length, err);
    }
    for (const p of pending) {
      const v = p.record.value;
      stats.bytes += v === null ? 0 : typeof v === "string" ? v.length : v.byteLength;
    }
    stats.sent += pending.length;
    if (options.onSent) options.onSent(pending.map((p) => p.record), Date.now());
    state.batch.clear(ctx.timers);
    options.readiness?.set(dep, true, "connected");
    await answerTokens(ctx, pending);
  };

  /** The brokers have these records: their tokens are done (protocols/record_out.ts). */
  const answerTokens = async (ctx: ActorContext<ProducerMsg>, sent: readonly Pending[]) => {
    const byReplyTo = new Map<ActorRef<AckReply>, Ack[]>();
    for (const p of sent) {
      if (p.ack && p.replyTo) byReplyTo.set(p.replyTo, [...(byReplyTo.get(p.replyTo) ?? []), p.ack]);
    }
    for (const [replyTo, done] of byReplyTo) await answerSource(replyTo, { type: "ack", done }, ctx.log);
  };

  return {
    async init(ctx, carried) {
      const client = createKafkaClient({
        ...options.connection,
        brokers: options.brokers,
        clientId: options.clientId ?? "troupe-simulator",
        log: ctx.log,
      });
      try {
        const producer = await client.producer({ compression: options.compression ?? "none" });
        options.readiness?.set(dep, true, "connected");
        const batch = new LingerBatch<Pending>({ size: options.batchSize, lingerMs: options.lingerMs }, carried);
        const state: State = { client, producer, batch, failed: false };
        if (batch.items.length > 0) {
          ctx.log.info("sending records kept from before the restart", { records: batch.items.length });
          await flush(state, ctx);
        }
        return state;
      } catch (err) {
        await client.close();
        throw err;
      }
    },
    async receive(state, msg, ctx) {
      if (msg.type === "producer.record") {
        state.batch.add({
          topic: msg.topic,
          record: { key: msg.key, value: msg.value, ...(msg.headers ? { headers: msg.headers } : {}) },
          ...(msg.ack && msg.replyTo ? { ack: msg.ack, replyTo: msg.replyTo } : {}),
        });
        if (state.batch.full) await flush(state, ctx);
        else state.batch.linger(ctx.timers, FLUSH);
        return state;
      }
      await flush(state, ctx);
      msg.replyTo?.trySend({ type: "producer.flushed", sent: stats.sent });
      return state;
    },
    async stop(state, ctx) {
      // After a failed send (a restart is coming) the records go to the next incarnation.
      if (state.batch.items.length > 0 && !state.failed) {
        await flush(state, ctx).catch((err) =>
          ctx.log.warn("records not sent at stop", { records: state.batch.items.length, error: errorMessage(err) })
        );
      }
      await state.client.close();
    },
    handover: (state) => state.batch.handover(),
    describe: (state) => ({
      pending: state.batch.items.length,
      batchSize: options.batchSize,
      lingerMs: options.lingerMs,
      compression: options.compression ?? "none",
      ...stats,
    }),
  };
}

/** The kafkaProducer actor as a supervisor's child: `producer`, room for two batches (at least 64), 10 s to send the last batch at shutdown. */
export function kafkaProducerSpec(
  options: KafkaProducerOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<ProducerMsg> {
  return childSpec(kafkaProducer(options), {
    name: "producer",
    capacity: Math.max(64, options.batchSize * 2),
    shutdownMs: 10_000,
  }, props);
}
