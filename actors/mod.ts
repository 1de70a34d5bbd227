/**
 * troupe's actors, one per file, each a behaviour factory and its message type.
 * @module
 */
export * from "./broker_keeper.ts";
export * from "./dataset_reader.ts";
export * from "./device_fleet.ts";
export * from "./png_encoder.ts";
export * from "./kafka_producer.ts";
export * from "./kafka_consumer.ts";
export * from "./pg_upserter.ts";
export * from "./model_worker.ts";
export * from "./model_pool.ts";
export * from "./inference_consumer.ts";
