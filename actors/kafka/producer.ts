/**
 * Producer: batches records (`batchSize`, or what arrived within `lingerMs`) and
 * sends them with kafkajs' idempotent producer, acks=all. A send that fails after
 * kafkajs' own retries fails the actor; the batch is kept across the restart and
 * sent first by the next incarnation, so a broker outage loses nothing.
 */
import { createKafkaClient, type KafkaClient, type KafkaProducer, type OutgoingRecord } from "./client.ts";
import { type ActorRef, type Behaviour, errorMessage, type Readiness, TroupeError } from "../../system/mod.ts";

/** Messages of the producer. */
export type ProducerMsg =
  | { type: "producer.record"; topic: string; key: string | null; value: string | Uint8Array; headers?: Record<string, string> }
  | { type: "producer.flush"; replyTo?: ActorRef<{ type: "producer.flushed"; sent: number }> };

/** Kafka did not take a batch. */
export class ProduceFailed extends TroupeError {
  constructor(records: number, cause: unknown) {
    super("TROUPE_ERR_PRODUCE", `Kafka did not take ${records} records: ${errorMessage(cause)}`, { cause, retriable: true });
  }
}

/** Running figures of the producer. */
export interface ProducerStats {
  sent: number;
  bytes: number;
  requests: number;
  errors: number;
}

/** Options of {@link kafkaProducer}. */
export interface KafkaProducerOptions {
  brokers: readonly string[];
  batchSize: number;
  lingerMs: number;
  compression?: "none" | "gzip";
  readiness?: Readiness;
  /** @default "kafka-producer" */
  dependency?: string;
  stats?: ProducerStats;
}

interface State {
  client: KafkaClient;
  producer: KafkaProducer;
  timer: ReturnType<typeof setTimeout> | null;
}

/** Zeroed stats. */
export function newProducerStats(): ProducerStats {
  return { sent: 0, bytes: 0, requests: 0, errors: 0 };
}

/** The producer's behaviour. */
export function kafkaProducer(options: KafkaProducerOptions): Behaviour<ProducerMsg, State> {
  const dep = options.dependency ?? "kafka-producer";
  const stats = options.stats ?? newProducerStats();
  options.readiness?.declare(dep, "not connected yet");
  let pending: { topic: string; record: OutgoingRecord }[] = [];
  let lastFailed = false;

  const flush = async (state: State) => {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
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
      lastFailed = true;
      options.readiness?.set(dep, false, `send failed: ${errorMessage(err)}`);
      throw new ProduceFailed(pending.length, err);
    }
    lastFailed = false;
    for (const p of pending) stats.bytes += typeof p.record.value === "string" ? p.record.value.length : p.record.value.byteLength;
    stats.sent += pending.length;
    pending = [];
    options.readiness?.set(dep, true, "connected");
  };

  return {
    async init(ctx) {
      const client = createKafkaClient({ brokers: options.brokers, clientId: "troupe-simulator", log: ctx.log });
      try {
        const producer = await client.producer({ compression: options.compression ?? "none" });
        options.readiness?.set(dep, true, "connected");
        const state: State = { client, producer, timer: null };
        if (pending.length > 0) {
          ctx.log.info("sending records kept from before the restart", { records: pending.length });
          await flush(state);
        }
        return state;
      } catch (err) {
        await client.close();
        throw err;
      }
    },
    async receive(state, msg, ctx) {
      if (msg.type === "producer.record") {
        pending.push({ topic: msg.topic, record: { key: msg.key, value: msg.value, ...(msg.headers ? { headers: msg.headers } : {}) } });
        if (pending.length >= options.batchSize) await flush(state);
        else if (!state.timer) {
          state.timer = setTimeout(() => {
            state.timer = null;
            ctx.self.trySend({ type: "producer.flush" });
          }, options.lingerMs);
        }
        return state;
      }
      await flush(state);
      msg.replyTo?.trySend({ type: "producer.flushed", sent: stats.sent });
      return state;
    },
    async stop(state, ctx) {
      if (state.timer) clearTimeout(state.timer);
      // After a failed send (a restart is coming) the records wait for the next incarnation.
      if (pending.length > 0 && !lastFailed) {
        await flush(state).catch((err) => ctx.log.warn("records not sent at stop", { records: pending.length, error: errorMessage(err) }));
      }
      await state.client.close();
    },
    describe: () => ({ pending: pending.length, batchSize: options.batchSize, lingerMs: options.lingerMs, compression: options.compression ?? "none", ...stats }),
  };
}
