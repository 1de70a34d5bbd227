/**
 * troupe's actors, one per file, each a behaviour factory and its message type.
 * @module
 */
export * from "./broker_keeper.ts";
