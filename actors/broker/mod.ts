/**
 * A local Kafka broker as a supervised actor: the keeper runs the broker's JVM
 * (troupe/infra) as its child process and fails when it dies, so its supervisor
 * restarts it under a budget. What `ROLE=broker` runs.
 *
 * Experimental: for development, tests and single-machine runs (Java 17 and Maven
 * on the machine); production points `KAFKA_BROKERS` at a real cluster.
 * @module
 */
export {
  brokerClientConnection,
  BrokerExited,
  brokerKeeper,
  type BrokerKeeperMsg,
  type BrokerKeeperOptions,
  brokerKeeperSpec,
} from "./keeper.ts";
