/**
 * A keyed record handed to a sink of records: troupe's Kafka producer actor is one
 * (actors/kafka/producer.ts), a test's collector another. Whoever makes records
 * (the simulator's encoder) imports this, not the producer.
 */

/** One record for `topic`: its key (null: none), value and headers. */
export interface RecordOut {
  type: "producer.record";
  /** Where it goes (a Kafka topic for the producer). */
  topic: string;
  /** Records of one key keep their order. */
  key: string | null;
  value: string | Uint8Array;
  headers?: Record<string, string>;
}
