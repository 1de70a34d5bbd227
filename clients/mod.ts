/**
 * I/O clients behind narrow interfaces: Kafka (kafkajs), PostgreSQL (postgres.js),
 * CIFAR-100 dataset files and the synthetic dataset generator.
 * @module
 */
export * from "./kafka.ts";
export * from "./kafka_consumer.ts";
export * from "./postgres.ts";
export * from "./pg_writes.ts";
export * from "./cifar_files.ts";
export * from "./synthetic_cifar.ts";
