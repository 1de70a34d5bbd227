/**
 * A slow, lossy link for the chaos suite, in user space: this machine's kernel has
 * no netem. Run on a host of its own (`node chaos/slow_link.ts --listen A:P --to B:Q
 * --delay-ms 200 --loss 0.05`), it relays TCP connections from A:P to B:Q and holds
 * every chunk `delay-ms` in each direction; a `loss` share of the chunks waits a
 * further `retransmit-ms`, which is what a lost segment costs a TCP stream (its
 * retransmission), since a relay of byte streams cannot drop bytes. Order is kept.
 * The broker advertises this address, so every client's Kafka traffic takes it.
 */
import { connect, createServer, type Socket } from "node:net";
import process from "node:process";
import { parseArgs } from "node:util";
import { mulberry32 } from "../protocols/seeded_random.ts";

const { values } = parseArgs({
  options: {
    listen: { type: "string" },
    to: { type: "string" },
    "delay-ms": { type: "string", default: "200" },
    loss: { type: "string", default: "0.05" },
    "retransmit-ms": { type: "string", default: "200" },
    seed: { type: "string", default: "1" },
  },
});
const split = (a: string | undefined, flag: string) => {
  const m = /^(.+):(\d+)$/.exec(a ?? "");
  if (!m) {
    console.error(`slow_link: --${flag} must be host:port`);
    process.exit(2);
  }
  return { host: m[1] as string, port: Number(m[2]) };
};
const listen = split(values.listen, "listen");
const to = split(values.to, "to");
const delayMs = Number(values["delay-ms"]);
const loss = Number(values.loss);
const retransmitMs = Number(values["retransmit-ms"]);
const random = mulberry32(Number(values.seed));
let chunks = 0;
let delayed = 0;

/**
 * Relays `from` to `into`, each chunk after the link's delay, strictly in order: one
 * queue and one timer per direction (timers of different lengths that fall due in the
 * same millisecond may run in either order, which would reorder the stream).
 */
function relay(from: Socket, into: Socket): void {
  const queue: { at: number; chunk: Buffer | null }[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;
  const pump = () => {
    timer = null;
    const now = Date.now();
    while (queue.length > 0 && (queue[0] as { at: number }).at <= now) {
      const { chunk } = queue.shift() as { at: number; chunk: Buffer | null };
      if (chunk === null) into.end();
      else if (into.writable) into.write(chunk);
    }
    if (queue.length > 0) timer = setTimeout(pump, (queue[0] as { at: number }).at - now);
  };
  const push = (chunk: Buffer | null, extra: number) => {
    const last = queue.length > 0 ? (queue[queue.length - 1] as { at: number }).at : 0;
    queue.push({ at: Math.max(Date.now() + delayMs + extra, last), chunk });
    if (timer === null) timer = setTimeout(pump, Math.max(0, (queue[0] as { at: number }).at - Date.now()));
  };
  from.on("data", (chunk: Buffer) => {
    chunks++;
    push(chunk, random() < loss ? (delayed++, retransmitMs) : 0);
  });
  from.on("end", () => push(null, 0));
  from.on("error", () => into.destroy());
}

const server = createServer((client) => {
  const upstream = connect(to);
  relay(client, upstream);
  relay(upstream, client);
});
server.listen(listen.port, listen.host, () => {
  process.stdout.write(
    `slow_link: ${listen.host}:${listen.port} -> ${to.host}:${to.port}, ${delayMs} ms each way, ${
      loss * 100
    }% of chunks +${retransmitMs} ms\n`,
  );
});
setInterval(() => process.stdout.write(`slow_link: ${chunks} chunks relayed, ${delayed} held as lost\n`), 10_000)
  .unref();
process.on("SIGTERM", () => process.exit(0));
