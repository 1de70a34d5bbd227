/**
 * `npm run kafka -- start|stop [--port 9092] [--controller-port 9093] [--dir .troupe/kafka] [--version 3.9.1]`:
 * a local single-node Kafka broker left running in the background. `start` prints
 * `KAFKA_BROKERS=...` on standard output.
 */
import process from "node:process";
import { parseCli } from "./args.ts";

const USAGE = `usage: npm run kafka -- start|stop [flags]

A local single-node Apache Kafka broker (KRaft, jars from Maven Central), left
running in the background. start prints KAFKA_BROKERS=... on standard output.

  --port N              client port on 127.0.0.1 (default 9092)
  --controller-port N   KRaft controller port (default 9093)
  --dir D               data directory (default .troupe/kafka)
  --version V           Apache Kafka version (default 3.9.1)
  --heap H              JVM heap (default 512m)
  --help                this text
`;
const { values, positionals } = parseCli({
  name: "kafka",
  usage: USAGE,
  positionals: true,
  options: {
    port: { type: "string", default: "9092" },
    "controller-port": { type: "string", default: "9093" },
    dir: { type: "string", default: ".troupe/kafka" },
    version: { type: "string", default: "3.9.1" },
    heap: { type: "string", default: "512m" },
  },
});
// Loaded once the flags are known: --help and a bad flag answer at once.
const { createLogger } = await import("../../system/mod.ts");
const { probeKafka } = await import("../../actors/kafka/mod.ts");
const { runningBrokerPid, startBroker, terminate } = await import("../../infra/mod.ts");
const log = createLogger({ fields: { script: "kafka" } });
const settings = {
  port: Number(values.port),
  controllerPort: Number(values["controller-port"]),
  dataDir: values.dir!,
  version: values.version!,
  heap: values.heap!,
};

switch (positionals[0]) {
  case "start": {
    const b = await startBroker(settings, { log, probe: probeKafka, detached: true });
    process.stdout.write(`KAFKA_BROKERS=${b.brokers.join(",")}\n`);
    process.exit(0);
    break;
  }
  case "stop": {
    const pid = runningBrokerPid(settings.dataDir);
    if (pid === null) log.info("no broker running for this data dir", { dir: settings.dataDir });
    else {
      await terminate(pid, 20_000);
      log.info("broker stopped", { pid });
    }
    break;
  }
  default:
    console.error(
      positionals[0] === undefined
        ? "kafka: say start or stop (see --help)"
        : `kafka: unknown command '${positionals[0]}': start or stop (see --help)`,
    );
    process.exit(2);
}
