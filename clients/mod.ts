/**
 * I/O clients behind narrow interfaces (Kafka today; PostgreSQL with the pipeline).
 * @module
 */
export * from "./kafka.ts";
