/**
 * @platformatic/kafka 1.x keeps a connection whose requests time out: it answers
 * "Request timed out" and sends the next request on the same socket. After a network
 * cut, that socket's data waits for TCP's retransmission back-off, which after a
 * 30 s outage is tens of seconds (measured in the chaos suite's "db host cut off":
 * 34.7 s to recover, where a new connection answers at once). This gives a client a
 * new connection pool, so its next requests open new sockets; the old pool is
 * closed; the package's own retries take their connection from the pool anew, so a
 * request stuck on a dead socket is retried on a live one. It reaches the package's
 * private pool by its symbol's description and does nothing (returns false) when the
 * package is laid out differently.
 */

import { errorText } from "./records.ts";

const POOL = "plt.kafka.base.connections";
const MAKE_POOL = "plt.kafka.base.createConnectionPool";

function symbolOf(o: object, description: string, inherited: boolean): symbol | undefined {
  for (let p: object | null = o; p; p = inherited ? Object.getPrototypeOf(p) : null) {
    const s = Object.getOwnPropertySymbols(p).find((x) => x.description === description);
    if (s) return s;
  }
  return undefined;
}

/** The shortest time between two renewals of one client's connections. */
const RENEW_AT_MOST_EVERY_MS = 3_000;
/** How long a request may go unanswered before the client's connections are renewed under it. */
const SLOW_MS = 3_000;
const lastRenewal = new WeakMap<object, number>();

/**
 * Replaces `client`'s connection pool with a new one, at most once per 3 s per client; says whether it did (false
 * also when the package is laid out differently).
 */
export function renewConnections(client: object): boolean {
  if (Date.now() - (lastRenewal.get(client) ?? 0) < RENEW_AT_MOST_EVERY_MS) return false;
  lastRenewal.set(client, Date.now());
  const pool = symbolOf(client, POOL, false);
  const make = symbolOf(client, MAKE_POOL, true);
  if (!pool || !make) return false;
  const c = client as Record<symbol, unknown>;
  const old = c[pool] as { close(callback: () => void): void } | undefined;
  const fresh = (c[make] as () => unknown).call(client);
  c[pool] = fresh;
  old?.close(() => {});
  // The package's own getter reads the pool it uses: the swap took only if it answers the new one.
  return (client as { connections?: unknown }).connections === fresh;
}

/** Renews `client`'s connections when `err` says a request timed out (see the file). */
export function renewAfterTimeout(client: object, err: unknown): void {
  if (/timed out/i.test(errorText(err))) renewConnections(client);
}

/**
 * Runs `work` (a request of `client`'s); unanswered after 3 s, the client's connections are renewed so the
 * package's own next try goes out on a new socket; failed with a timeout, likewise for the caller's next try.
 */
export async function renewingWhenSlow<T>(client: object, work: () => Promise<T>): Promise<T> {
  const timer = setTimeout(() => renewConnections(client), SLOW_MS);
  try {
    return await work();
  } catch (err) {
    renewAfterTimeout(client, err);
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
