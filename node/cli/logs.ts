/**
 * `npm run logs -- [--follow] [--node N] [--role R] [--level L] [--actor A] [--trace T] [--since S]`:
 * the fleet's merged log lines from the log topic (every node ships its lines at or
 * above LOG_SHIP_LEVEL there), filtered, one per line; `--follow` keeps printing new
 * ones until Ctrl-C. Reads Kafka with the same variables as a node.
 */
import process from "node:process";
import { parseCli } from "./args.ts";

const USAGE = `usage: npm run logs -- [flags]

Prints the fleet's log lines from the log topic (TOPIC_LOGS, default troupe.logs),
oldest first: every node writes its lines at or above LOG_SHIP_LEVEL (default warn)
there, at most LOG_SHIP_RATE a second. Reads Kafka with the same variables as a node
(KAFKA_BROKERS, KAFKA_TLS_CA, KAFKA_SASL_*...).

  --follow           keep printing new lines until Ctrl-C
  --node ID          only this node's lines
  --role R           only lines of nodes with this role (simulator, db, inference, broker)
  --level L          at or above this level: debug, info, warn, error
  --actor A          only lines of actors whose path contains A (e.g. /troupe/db)
  --trace ID         only lines about this trace id (one image, across hosts)
  --since S          lines written since S: an ISO 8601 time, or 90s, 10m, 2h, 1d back
  --limit N          at most the last N lines before following (default 100)
  --json             print each record as JSON
  --brokers LIST     Kafka bootstrap servers [KAFKA_BROKERS]
  --topic NAME       the log topic [TOPIC_LOGS]
  --help             this text

example: npm run logs -- --follow --role db --level error
`;

const parsed = parseCli({
  name: "logs",
  usage: USAGE,
  options: {
    follow: { type: "boolean" },
    node: { type: "string" },
    role: { type: "string" },
    level: { type: "string" },
    actor: { type: "string" },
    trace: { type: "string" },
    since: { type: "string" },
    limit: { type: "string" },
    json: { type: "boolean" },
    brokers: { type: "string" },
    topic: { type: "string" },
  },
});
const flags = parsed.values;
const fail = (msg: string): never => {
  console.error(`logs: ${msg} (see --help)`);
  process.exit(2);
};
const LEVELS = ["debug", "info", "warn", "error"] as const;
if (flags.level !== undefined && !(LEVELS as readonly string[]).includes(flags.level)) {
  fail(`--level must be one of ${LEVELS.join(", ")}: got '${flags.level}'`);
}
const limit = flags.limit === undefined ? 100 : Number(flags.limit);
if (!Number.isInteger(limit) || limit < 1) fail(`--limit must be a whole number from 1: got '${flags.limit}'`);
// Loaded once the flags are known: --help and a bad flag answer at once.
const { followTopic, matchesLog, parseSince } = await import("../../actors/fleet/mod.ts");
const { createKafkaClient } = await import("../../actors/kafka/mod.ts");
const { decodeLogRecord } = await import("../../protocols/mod.ts");
const { createLogger, errorMessage } = await import("../../system/mod.ts");
const { commandConfig } = await import("./_command_config.ts");
const { kafkaSettingsOf } = await import("../fleet.ts");
type LogRecord = import("../../protocols/mod.ts").LogRecord;

const sinceMs = flags.since === undefined ? undefined : parseSince(flags.since, Date.now());
if (sinceMs === null) fail(`--since must be an ISO 8601 time or a span such as 10m: got '${flags.since}'`);
const filter = {
  ...(flags.node ? { node: flags.node } : {}),
  ...(flags.role ? { role: flags.role } : {}),
  ...(flags.level ? { level: flags.level as (typeof LEVELS)[number] } : {}),
  ...(flags.actor ? { actor: flags.actor } : {}),
  ...(flags.trace ? { trace: flags.trace } : {}),
  ...(typeof sinceMs === "number" ? { sinceMs } : {}),
};
const config = commandConfig("logs", {
  ...(flags.brokers ? { KAFKA_BROKERS: flags.brokers } : {}),
  ...(flags.topic ? { TOPIC_LOGS: flags.topic } : {}),
});
const settings = kafkaSettingsOf(config);
const topic = config.fleet.logs.topic;

/** One line for a terminal: time, level, node [roles], actor, message, the other fields. */
function text(r: LogRecord): string {
  const { ts, level, msg, node: _node, actor, ...fields } = r.line;
  const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`);
  return [ts, level.toUpperCase().padEnd(5), `${r.node} [${r.roles.join(",")}]`, actor ?? "-", msg, ...rest].join("  ");
}
const print = (r: LogRecord) => process.stdout.write(`${flags.json ? JSON.stringify(r) : text(r)}\n`);

const client = createKafkaClient({
  ...settings.connection,
  brokers: settings.brokers,
  clientId: "troupe-logs-cli",
  log: createLogger({ level: "warn", fields: { script: "logs" } }),
});
let caughtUp = false;
const backlog: LogRecord[] = [];
let refused = 0;
try {
  if ((await client.topicOffsets(topic)).length === 0) {
    console.error(
      `logs: no log topic ${topic} on ${
        settings.brokers.join(",")
      } yet (nodes create it when they ship their first line)`,
    );
    if (!flags.follow) process.exit(0);
  }
  process.stderr.write(`logs: reading ${topic} from ${settings.brokers.join(",")}...\n`);
  const followed = await followTopic(client, topic, (rec) => {
    const d = decodeLogRecord(rec.value);
    if (!d.ok) return void refused++;
    if (!matchesLog(d.value, filter)) return;
    if (caughtUp) print(d.value);
    else {
      backlog.push(d.value);
      if (backlog.length > limit) backlog.shift();
    }
  });
  // Listened for before the first line is printed: a signal with no listener ends the process at once.
  const stopped = flags.follow
    ? new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    })
    : null;
  await followed.caughtUp(30_000);
  caughtUp = true;
  for (const r of backlog.splice(0)) print(r);
  if (refused > 0) console.error(`logs: ${refused} records of ${topic} were not log lines: skipped`);
  await stopped;
  await followed.stop();
} catch (err) {
  console.error(`logs: ${errorMessage(err)}`);
  process.exitCode = 1;
} finally {
  await client.close();
}
