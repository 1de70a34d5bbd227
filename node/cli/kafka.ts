/**
 * `npm run kafka -- start|stop|certs [--port 9092] [--controller-port 9093] [--dir .troupe/kafka] [--version 4.4.0]
 * [--sasl-ssl] [--host H]`: a local single-node Kafka broker left running in the background. `start` prints
 * `KAFKA_BROKERS=...` on standard output (and, with `--sasl-ssl`, what a client needs: `KAFKA_TLS_CA`,
 * `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`).
 */
import process from "node:process";
import { parseCli } from "./args.ts";

const USAGE = `usage: npm run kafka -- start|stop|certs [flags]

A local single-node Apache Kafka broker (KRaft, jars from Maven Central), left
running in the background. start prints KAFKA_BROKERS=... on standard output,
one variable per line. certs makes a private CA and the broker's keystore in
DIR/certs with keytool (start --sasl-ssl makes them when missing).

  --port N              client port on 127.0.0.1 (default 9092)
  --controller-port N   KRaft controller port (default 9093)
  --dir D               data directory (default .troupe/kafka)
  --version V           Apache Kafka version, 3.9.x or 4.x (default 4.4.0)
  --heap H              JVM heap (default 512m)
  --sasl-ssl            a SASL_SSL listener (TLS; SCRAM-SHA-512, SCRAM-SHA-256 or
                        PLAIN; user troupe, its password in DIR/certs/secrets.json)
                        instead of PLAINTEXT; start then also prints KAFKA_TLS_CA,
                        KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD
  --host H              another name or address the broker's certificate is valid
                        for (certs and --sasl-ssl; localhost and 127.0.0.1 always)
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
    version: { type: "string", default: "4.4.0" },
    heap: { type: "string", default: "512m" },
    "sasl-ssl": { type: "boolean" },
    host: { type: "string", multiple: true },
  },
});
// Loaded once the flags are known: --help and a bad flag answer at once.
const { createLogger } = await import("../../system/mod.ts");
const { probeKafka } = await import("../../actors/kafka/mod.ts");
const { brokerClientConnection } = await import("../../actors/broker/mod.ts");
const { makeBrokerCerts, runningBrokerPid, startBroker, terminate } = await import("../../infra/mod.ts");
const { join } = await import("node:path");
const log = createLogger({ fields: { script: "kafka" } });
const settings = {
  port: Number(values.port),
  controllerPort: Number(values["controller-port"]),
  dataDir: values.dir!,
  version: values.version!,
  heap: values.heap!,
};

const certs = () => makeBrokerCerts(join(settings.dataDir, "certs"), (values.host as string[] | undefined) ?? [], log);

switch (positionals[0]) {
  case "certs": {
    const s = await certs();
    log.info("broker keystore ready", { keystore: s.keystore, ca: s.caPem });
    process.stdout.write(`KAFKA_TLS_CA=${s.caPem}\n`);
    break;
  }
  case "start": {
    const security = values["sasl-ssl"] ? await certs() : undefined;
    const user = security?.users[0];
    const connection = security ? brokerClientConnection(security) : {};
    const b = await startBroker(
      { ...settings, ...(security ? { security } : {}) },
      { log, probe: (brokers, ms) => probeKafka(brokers, ms, connection), detached: true },
    );
    process.stdout.write(`KAFKA_BROKERS=${b.brokers.join(",")}\n`);
    if (security && user) {
      process.stdout.write(
        [
          `KAFKA_TLS_CA=${security.caPem}`,
          "KAFKA_SASL_MECHANISM=scram-sha-512",
          `KAFKA_SASL_USERNAME=${user.name}`,
          `KAFKA_SASL_PASSWORD=${user.password}`,
        ].join("\n") + "\n",
      );
    }
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
        ? "kafka: say start, stop or certs (see --help)"
        : `kafka: unknown command '${positionals[0]}': start, stop or certs (see --help)`,
    );
    process.exit(2);
}
