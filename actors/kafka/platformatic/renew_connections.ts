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

const POOL = "plt.kafka.base.connections";
const MAKE_POOL = "plt.kafka.base.createConnectionPool";

function symbolOf(o: object, description: string, inherited: boolean): symbol | undefined {
  for (let p: object | null = o; p; p = inherited ? Object.getPrototypeOf(p) : null) {
    const s = Object.getOwnPropertySymbols(p).find((x) => x.description === description);
    if (s) return s;
  }
  return undefined;
}

/** Replaces `client`'s connection pool with a new one; says whether it could. */
export function renewConnections(client: object): boolean {
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

/**
 * Runs `work`; if it has not settled within `ms`, renews `client`'s connections (at most once per `ms`), so the
 * package's own next try goes out on a new socket instead of waiting on a dead one.
 */
export async function renewingWhenSlow<T>(client: object, ms: number, work: () => Promise<T>): Promise<T> {
  const timer = setTimeout(() => {
    const last = lastRenewal.get(client) ?? 0;
    if (Date.now() - last < ms) return;
    lastRenewal.set(client, Date.now());
    renewConnections(client);
  }, ms);
  try {
    return await work();
  } finally {
    clearTimeout(timer);
  }
}

const lastRenewal = new WeakMap<object, number>();
