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

/** An error's message with the protocol errors a response carried (their ids name what the broker said). */
export function errorText(err: unknown): string {
  const e = err as { message?: unknown; errors?: { apiId?: unknown; message?: unknown }[] };
  const inner = (e.errors ?? []).map((x) => String(x.apiId ?? x.message)).join(", ");
  return inner ? `${String(e.message)} (${inner})` : String(e.message ?? err);
}
