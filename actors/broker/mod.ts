/**
 * A local Kafka broker as a supervised actor: the keeper runs the broker's JVM
 * (infra/kafka_jvm.ts) as its child process and fails when it dies, so its
 * supervisor restarts it under a budget.
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
