/**
 * `npm run fleet -- status`: the fleet as a table in a terminal, from the same data as
 * `GET /fleet` (read from Kafka with the node's variables, or from a node's ops
 * endpoint with `--url`). `--watch` redraws it every two seconds; `--json` prints the
 * view itself.
 */
import process from "node:process";
import { parseCli } from "./args.ts";

const USAGE = `usage: npm run fleet -- status [flags]

Prints every node of the fleet (live, lost or left), their roles, readiness,
versions and rates, the consumer groups with their lag and status (OK, WARN, STALL,
STOP), the flow's rates, skew and alerts: the data of GET /fleet.

It reads the nodes topic and the pipeline's offsets from Kafka with the same
variables as a node (KAFKA_BROKERS, TOPIC_NODES, TOPIC_IMAGES, DB_GROUP_ID, KAFKA_TLS_CA,
KAFKA_SASL_*...), or asks a node's ops endpoint with --url.

  --url URL          ask this node's ops endpoint (its mount point included) instead of Kafka
  --token T          bearer token for --url [OPS_TOKEN]
  --brokers LIST     Kafka bootstrap servers [KAFKA_BROKERS]
  --topic NAME       the nodes topic [TOPIC_NODES] (default troupe.nodes)
  --watch            redraw every 2 seconds until Ctrl-C
  --json             print the view as JSON (one object; one per line with --watch)
  --help             this text

example: npm run fleet -- status --brokers 198.18.0.1:9092
`;

const parsed = parseCli({
  name: "fleet",
  usage: USAGE,
  positionals: true,
  options: {
    url: { type: "string" },
    token: { type: "string" },
    brokers: { type: "string" },
    topic: { type: "string" },
    watch: { type: "boolean" },
    json: { type: "boolean" },
  },
});
const [command, ...rest] = parsed.positionals;
if (command !== "status" || rest.length > 0) {
  console.error(
    `fleet: ${command === undefined ? "say status" : `unknown command '${parsed.positionals.join(" ")}'`} (see --help)`,
  );
  process.exit(2);
}
const flags = parsed.values;
// Loaded once the flags are known: --help and a bad flag answer at once.
const { renderFleetText } = await import("../../ops/fleet_text.ts");
const { createLogger, errorMessage } = await import("../../system/mod.ts");
type View = import("../../protocols/mod.ts").FleetView;
const log = createLogger({ level: "warn", fields: { script: "fleet" } });

/** Where views come from. */
async function source(): Promise<{ view(): Promise<View>; stop(): Promise<void> }> {
  if (flags.url) {
    const base = flags.url.replace(/\/+$/, "");
    const token = flags.token ?? process.env["OPS_TOKEN"];
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    return {
      async view() {
        const r = await fetch(`${base}/fleet`, { headers });
        const body = (await r.json().catch(() => ({}))) as View & { error?: string };
        if (!r.ok) throw new Error(`${base}/fleet answered ${r.status}: ${body.error ?? r.statusText}`);
        return body;
      },
      stop: () => Promise.resolve(),
    };
  }
  const { commandConfig } = await import("./_command_config.ts");
  const { watchFleetOf } = await import("../fleet.ts");
  const config = commandConfig("fleet", {
    ...(flags.brokers ? { KAFKA_BROKERS: flags.brokers } : {}),
    ...(flags.topic ? { TOPIC_NODES: flags.topic } : {}),
  });
  const brokers = config.kafkaBrokers ?? [`127.0.0.1:${config.broker.port}`];
  process.stderr.write(
    `fleet: reading ${config.fleet.topic} and the pipeline's offsets from ${brokers.join(",")}...\n`,
  );
  const watch = await watchFleetOf(config, log);
  await watch.caughtUp();
  // Rates need two reads of the offsets: a second one, two seconds after the first.
  await watch.refreshOffsets();
  await new Promise((r) => setTimeout(r, 2_000));
  await watch.refreshOffsets();
  return { view: () => Promise.resolve(watch.view()), stop: () => watch.stop() };
}

const print = (v: View) =>
  process.stdout.write(flags.json ? `${JSON.stringify(v, null, flags.watch ? undefined : 2)}\n` : renderFleetText(v));
let src: Awaited<ReturnType<typeof source>> | null = null;
try {
  src = await source();
  if (!flags.watch) {
    print(await src.view());
  } else {
    let stopped = false;
    const stop = () => (stopped = true);
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    while (!stopped) {
      const v = await src.view();
      if (!flags.json && process.stdout.isTTY) process.stdout.write("\x1b[2J\x1b[H");
      print(v);
      for (let i = 0; i < 20 && !stopped; i++) await new Promise((r) => setTimeout(r, 100));
    }
  }
} catch (err) {
  console.error(`fleet: ${errorMessage(err)}`);
  process.exitCode = 1;
} finally {
  await src?.stop();
}
