/**
 * A service that embeds troupe's Kafka side for a topic of its own: troupe's topic
 * consumer hands the service's own actor (a ledger of payments) chunks of decoded
 * records through its bounded mailbox, pauses the partitions while that mailbox is
 * full, sends records that do not decode to a dead-letter topic with the reason,
 * and commits an offset only after the ledger said the records up to it are applied.
 *
 * Run: KAFKA_BROKERS=127.0.0.1:9092 node --import tsx examples/kafka_service.ts payments
 */
import process from "node:process";
import { type Ack, acked, type AckReply } from "../protocols/ack.ts";
import { pathToFileURL } from "node:url";
import {
  type DecodedRecord,
  ensureTopics,
  kafkaClientKindOf,
  type KafkaConnection,
  newTopicConsumerStats,
  topicConsumerSpec,
  type TopicConsumerStats,
} from "../actors/kafka/mod.ts";
import {
  type ActorRef,
  type ActorSystem,
  ask,
  createLogger,
  type Logger,
  spawn,
  startChild,
  startSystem,
  supervise,
} from "../system/mod.ts";

/** A record of the payments topic: `{ "account": "acc-1", "cents": 250 }`. */
export interface Payment {
  account: string;
  cents: number;
}

/** Messages of the service's own actor. */
export type LedgerMsg =
  | { type: "ledger.apply"; payments: Payment[]; acks: Ack[]; replyTo: ActorRef<AckReply> }
  | { type: "ledger.totals"; replyTo: ActorRef<Record<string, number>> };

/** Decodes a payment; anything else is rejected with its reason (and dead-lettered). */
export function decodePayment(value: Uint8Array | null): DecodedRecord<Payment> {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(value ?? new Uint8Array()));
  } catch (err) {
    return { ok: false, reason: "not_json", detail: `not UTF-8 JSON: ${(err as Error).message}` };
  }
  const p = data as Partial<Payment> | null;
  if (typeof p?.account !== "string" || p.account === "" || !Number.isSafeInteger(p.cents)) {
    return {
      ok: false,
      reason: "invalid_envelope",
      detail: 'a payment is { "account": "<non-empty string>", "cents": <integer> }',
    };
  }
  return { ok: true, value: { account: p.account, cents: p.cents as number } };
}

/** Options of {@link startPaymentsService}. */
export interface PaymentsServiceOptions {
  brokers: readonly string[];
  /** Which Kafka client package (troupe/kafka's KafkaConnection). @default troupe's default client */
  connection?: KafkaConnection;
  topic: string;
  groupId: string;
  deadLetterTopic: string;
  /** Chunks the ledger's mailbox holds before the consumer pauses. @default 4 */
  ledgerCapacity?: number;
  /** @default a JSON-lines logger on standard error */
  logger?: Logger;
}

/** A running payments service. */
export interface PaymentsService {
  system: ActorSystem;
  /** Cents per account applied so far. */
  totals(): Promise<Record<string, number>>;
  consumer: TopicConsumerStats;
}

/** Starts the ledger and the consumer feeding it, under the service's own supervisor. */
export async function startPaymentsService(options: PaymentsServiceOptions): Promise<PaymentsService> {
  const system = startSystem({ name: "payments", logger: options.logger ?? createLogger() });
  await ensureTopics(options.brokers, [options.topic, options.deadLetterTopic], {
    partitions: 3,
    log: system.log,
    ...(options.connection ? { connection: options.connection } : {}),
  });
  const sup = await supervise(system.root, {
    name: "billing",
    strategy: "rest_for_one",
    intensity: 5,
    periodMs: 60_000,
  });
  const ledger = await spawn<LedgerMsg, Map<string, number>>(sup, {
    init: () => new Map(),
    receive: (totals, msg) => {
      if (msg.type === "ledger.totals") {
        msg.replyTo.trySend(Object.fromEntries(totals));
        return totals;
      }
      for (const p of msg.payments) totals.set(p.account, (totals.get(p.account) ?? 0) + p.cents);
      // Applied: the source may let them go (the consumer commits their offsets).
      msg.replyTo.trySend(acked(msg.acks));
      return totals;
    },
  }, { name: "ledger", capacity: options.ledgerCapacity ?? 4 });
  const consumer: TopicConsumerStats = newTopicConsumerStats();
  await startChild(
    sup,
    topicConsumerSpec<Payment, LedgerMsg>({
      brokers: options.brokers,
      ...(options.connection ? { connection: options.connection } : {}),
      groupId: options.groupId,
      topics: [options.topic],
      deadLetterTopic: options.deadLetterTopic,
      decode: (record) => decodePayment(record.value),
      downstream: ledger,
      deliver: (payments, acks, replyTo) => ({ type: "ledger.apply", payments, acks, replyTo }),
      chunk: 50,
      readiness: system.readiness,
      stats: consumer,
    }, { capacity: 16 }),
  );
  return {
    system,
    consumer,
    totals: () =>
      ask<LedgerMsg, Record<string, number>>(ledger, (replyTo) => ({ type: "ledger.totals", replyTo }), {
        timeoutMs: 5_000,
      }),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const topic = process.argv[2] ?? "payments";
  const service = await startPaymentsService({
    brokers: (process.env["KAFKA_BROKERS"] ?? "127.0.0.1:9092").split(","),
    connection: { client: kafkaClientKindOf(process.env["KAFKA_CLIENT"]) },
    topic,
    groupId: `${topic}-ledger`,
    deadLetterTopic: `${topic}.deadletter`,
  });
  const stop = () => void service.system.shutdown().then(() => process.exit(0));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  setInterval(async () => service.system.log.info("totals", await service.totals()), 5_000);
}
