/** Which kafkajs failures mean the member cannot reach the brokers (as opposed to a broker that answers with an error). */

/** kafkajs' errors for a connection refused, closed or timed out, or no broker to ask at all. */
const UNREACHABLE = new Set([
  "KafkaJSConnectionError",
  "KafkaJSConnectionClosedError",
  "KafkaJSRequestTimeoutError",
  "KafkaJSNoBrokerAvailableError",
]);

/**
 * Whether a kafkajs error comes from not reaching a broker: the error itself, what it wraps (`cause`, as retries
 * exhausted wrap the last failure) or, for an aggregate, every error it holds. A broker that answers with an error
 * (the group coordinator still loading on a new broker, a rebalance) is reachable.
 */
export function unreachable(err: unknown, depth = 0): boolean {
  const e = err as { name?: unknown; cause?: unknown; errors?: unknown } | null | undefined;
  if (e === null || typeof e !== "object" || depth > 8) return false;
  if (UNREACHABLE.has(String(e.name))) return true;
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every((x) => unreachable(x, depth + 1));
  return unreachable(e.cause, depth + 1);
}
