/** The options every @platformatic/kafka client troupe makes shares: brokers, timeouts, TLS and SASL. */
import type { KafkaClientOptions } from "../client.ts";

/** Base options of a Producer, Consumer or Admin. */
export function baseOptions(options: KafkaClientOptions) {
  const { tls, sasl } = options;
  return {
    clientId: options.clientId ?? "troupe",
    bootstrapBrokers: [...options.brokers],
    connectTimeout: options.connectionTimeoutMs ?? 3000,
    retries: options.retries ?? 5,
    // The package waits 1 s between tries by default; kafkajs starts at 300 ms.
    retryDelay: 250,
    // 30 s by default: a request on a socket a network cut left dead is given up sooner, and retried on a new
    // connection (renew_connections.ts). A fetch waits at most 500 ms for records.
    requestTimeout: 5_000,
    ...(tls
      ? {
        tls: {
          ...(tls.ca ? { ca: [tls.ca] } : {}),
          ...(tls.cert ? { cert: tls.cert } : {}),
          ...(tls.key ? { key: tls.key } : {}),
        },
      }
      : {}),
    ...(sasl
      ? {
        sasl: {
          mechanism: sasl.mechanism === "plain"
            ? "PLAIN" as const
            : sasl.mechanism === "scram-sha-256"
            ? "SCRAM-SHA-256" as const
            : "SCRAM-SHA-512" as const,
          username: sasl.username,
          password: sasl.password,
        },
      }
      : {}),
  };
}
