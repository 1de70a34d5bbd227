/**
 * The `broker` role: a single-node Kafka broker (KRaft) whose JVM is a supervised
 * child process of the node.
 */
import { brokerKeeperSpec } from "../actors/broker/mod.ts";
import { type ActorSystem, startChild, supervise } from "../system/mod.ts";
import type { TroupeConfig } from "./config.ts";

/** Starts the broker subtree; resolves once the broker answers. */
export async function startBrokerRole(system: ActorSystem, config: TroupeConfig): Promise<void> {
  const sup = await supervise(system.root, {
    name: "broker",
    strategy: "one_for_one",
    intensity: 5,
    periodMs: 120_000,
    backoff: { minMs: 500, maxMs: 15_000, jitter: 0.2 },
  });
  const { listener, ...settings } = config.broker;
  await startChild(
    sup,
    brokerKeeperSpec({ settings, saslSsl: listener === "sasl_ssl", readiness: system.readiness }),
  );
}
