/** Small conversions between @platformatic/kafka's shapes and troupe's. */

/** Record headers as UTF-8 strings (a header given several times is comma-joined, as the kafkajs adapter does). */
export function headersOf(headers: readonly [Uint8Array | null, Uint8Array | null][]): Record<string, string> {
  const out: Record<string, string> = {};
  const decoder = new TextDecoder();
  for (const [k, v] of headers) {
    if (k === null || v === null) continue;
    const name = decoder.decode(k);
    const value = decoder.decode(v);
    out[name] = name in out ? `${out[name]},${value}` : value;
  }
  return out;
}

/**
 * An error's message with the errors it gathers (the client's "fetch failed 6 times" holds each attempt's),
 * each named by its protocol error id or its message, the same ones once.
 */
export function errorText(err: unknown): string {
  const e = err as { message?: unknown; errors?: unknown[] };
  const inner = [
    ...new Set((e.errors ?? []).map((x) => {
      const i = x as { apiId?: unknown; message?: unknown; errors?: unknown[] };
      return i.apiId !== undefined ? String(i.apiId) : i.errors ? errorText(i) : String(i.message ?? x);
    })),
  ].join("; ");
  return inner ? `${String(e.message)} (${inner})` : String(e.message ?? err);
}

/**
 * Whether an error is only the client failing to reach any broker (every error it gathers is a network error: a
 * connection refused, reset or not made in time, or a request not answered within `requestTimeout`: the package's
 * TimeoutError carries the network error's code, in 1.35), as while a broker restarts; a new client would do no
 * better.
 */
export function onlyUnreachable(err: unknown): boolean {
  const e = err as { code?: unknown; errors?: unknown };
  if (Array.isArray(e?.errors) && e.errors.length > 0) return e.errors.every(onlyUnreachable);
  return e?.code === "PLT_KFK_NETWORK";
}
