/**
 * A keyed record handed to a sink of records: troupe's Kafka producer actor is one
 * (actors/kafka/producer.ts), a test's collector another. Whoever makes records
 * (the simulator's encoder, the inference sink) imports this, not the producer. A
 * record may carry an acknowledgement token and where to answer it: the sink of
 * records answers the token `done` once the record is written (for Kafka: once the
 * brokers have it), so a token can travel from a source through a chain of sinks.
 */
import type { ActorRef } from "../system/mod.ts";
import type { Ack, AckReply } from "./ack.ts";

/** One record for `topic`: its key (null: none), value and headers. */
export interface RecordOut {
  /** The message type. */
  type: "producer.record";
  /** Where it goes (a Kafka topic for the producer). */
  topic: string;
  /** Records of one key keep their order. */
  key: string | null;
  /** The record's value. */
  value: string | Uint8Array;
  /** The record's headers (e.g. `traceparent`). */
  headers?: Record<string, string>;
  /** A token to answer `done` (to `replyTo`) once the record is written. */
  ack?: Ack;
  /** Where the token's answer goes. */
  replyTo?: ActorRef<AckReply>;
}
