/**
 * A local single-node Apache Kafka broker in KRaft mode, from Maven Central jars:
 * resolve the classpath with `mvn` (cached), format the storage once, run the JVM.
 * Used by the `broker` role (as a supervised child process) and by `npm run kafka`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { Logger } from "../system/mod.ts";
import { troupeCacheDir } from "../system/platform.ts";
import { InfraError } from "./errors.ts";
import { type BrokerSecurity, saslSslProperties, scramFormatArgs } from "./kafka_security.ts";
import { hasCommand, pidAlive, pidCommandLine, portInUse, run, terminate } from "./process.ts";

/** Settings of a local broker. */
export interface LocalBrokerSettings {
  /** Apache Kafka version (3.9.x or 4.x; {@link DEFAULT_KAFKA_VERSION} by default in the CLI and the broker role). */
  version: string;
  /** Client port (on 127.0.0.1, or on every interface when `advertisedHost` is not loopback). */
  port: number;
  /** Host name clients on other machines use to reach the broker. @default "127.0.0.1" */
  advertisedHost?: string;
  /** KRaft controller port on 127.0.0.1. */
  controllerPort: number;
  /** Holds server.properties, the logs and broker.log. */
  dataDir: string;
  /** JVM heap, e.g. "512m". */
  heap: string;
  /** A SASL_SSL client listener instead of PLAINTEXT (`npm run kafka -- certs` makes what it needs). */
  security?: BrokerSecurity;
  /** server.properties entries that replace or add to troupe's (a test's broker that misbehaves on purpose). */
  properties?: Readonly<Record<string, string>>;
}

const POM = fileURLToPath(new URL("./kafka/pom.xml", import.meta.url));

/**
 * The Kafka release the broker role and `npm run kafka` run by default: the newest 4.x both clients pass the
 * suite against here (4.4.0, 2026-12-07; 4.1.1 passed too). `KAFKA_VERSION=3.9.1` keeps working (.ci/run runs a
 * pipeline on it).
 */
export const DEFAULT_KAFKA_VERSION = "4.4.0";

/** The Kafka versions the broker role accepts: the 3.9 line and 4.x. */
export const KAFKA_VERSION_PATTERN = /^(3\.9|4\.\d+)\.\d+$/;

/**
 * The broker's classpath: resolved once with Maven (jars go to ~/.m2), then read
 * from the cache as long as every jar is still there.
 */
export async function kafkaClasspath(version: string, log: Logger): Promise<string> {
  const file = join(troupeCacheDir(), `kafka-${version}.classpath`);
  if (existsSync(file)) {
    const cp = readFileSync(file, "utf8").trim();
    if (cp && cp.split(":").every((jar) => existsSync(jar))) return cp;
  }
  if (!(await hasCommand("mvn"))) {
    throw new InfraError(
      "Maven (mvn) is needed to fetch the Kafka broker's jars from Maven Central: install it (apt-get install maven) or set KAFKA_BROKERS to an existing broker",
    );
  }
  if (!(await hasCommand("java"))) {
    throw new InfraError(
      "Java 17 is needed to run the Kafka broker: install it (apt-get install openjdk-17-jre-headless) or set KAFKA_BROKERS to an existing broker",
    );
  }
  mkdirSync(dirname(file), { recursive: true });
  log.info("resolving Apache Kafka jars from Maven Central (first run downloads about 100 MB)", { version });
  const started = Date.now();
  let jars = 0;
  const ticker = setInterval(
    () =>
      log.info("still resolving Kafka jars", { seconds: Math.round((Date.now() - started) / 1000), downloaded: jars }),
    10_000,
  );
  try {
    await run("mvn", [
      "-B",
      "-f",
      POM,
      "dependency:build-classpath",
      `-Dkafka.version=${version}`,
      `-Dmdep.outputFile=${file}`,
    ], {
      onLine: (line) => {
        if (/Downloaded from/.test(line)) jars++;
      },
    });
  } catch (err) {
    throw new InfraError(`could not resolve Kafka ${version} jars with Maven: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    clearInterval(ticker);
  }
  log.info("Kafka jars ready", { version, seconds: Math.round((Date.now() - started) / 1000), downloaded: jars });
  return readFileSync(file, "utf8").trim();
}

function listenHost(s: LocalBrokerSettings): string {
  const h = s.advertisedHost ?? "127.0.0.1";
  return h === "localhost" || h.startsWith("127.") ? "127.0.0.1" : "0.0.0.0";
}

/** Writes server.properties and the logging files (log4j for 3.9, log4j2 for 4.x) into the data dir; returns their paths. */
export function writeBrokerConfig(
  s: LocalBrokerSettings,
): { serverProperties: string; log4j: string; log4j2: string; logFile: string; logDir: string } {
  const dir = resolve(s.dataDir);
  const logDir = join(dir, "data");
  mkdirSync(logDir, { recursive: true });
  const serverProperties = join(dir, "server.properties");
  writeFileSync(
    serverProperties,
    [
      "# written by troupe: a single-node KRaft broker on loopback",
      "process.roles=broker,controller",
      "node.id=1",
      `controller.quorum.voters=1@127.0.0.1:${s.controllerPort}`,
      ...(s.security
        ? saslSslProperties(
          s.security,
          `${listenHost(s)}:${s.port}`,
          `${s.advertisedHost ?? "127.0.0.1"}:${s.port}`,
          `127.0.0.1:${s.controllerPort}`,
        )
        : [
          `listeners=PLAINTEXT://${listenHost(s)}:${s.port},CONTROLLER://127.0.0.1:${s.controllerPort}`,
          `advertised.listeners=PLAINTEXT://${s.advertisedHost ?? "127.0.0.1"}:${s.port}`,
          "inter.broker.listener.name=PLAINTEXT",
          "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        ]),
      "controller.listener.names=CONTROLLER",
      `log.dirs=${logDir}`,
      "num.partitions=1",
      "offsets.topic.replication.factor=1",
      "offsets.topic.num.partitions=10",
      "transaction.state.log.replication.factor=1",
      "transaction.state.log.min.isr=1",
      "group.initial.rebalance.delay.ms=0",
      "auto.create.topics.enable=false",
    ].filter((line) => !Object.hasOwn(s.properties ?? {}, line.split("=")[0]!))
      .concat(Object.entries(s.properties ?? {}).map(([k, v]) => `${k}=${v}`), "")
      .join("\n"),
  );
  const log4j = join(dir, "log4j.properties");
  writeFileSync(
    log4j,
    [
      "log4j.rootLogger=WARN, stdout",
      "log4j.logger.kafka=INFO",
      "log4j.logger.org.apache.kafka=WARN",
      "log4j.appender.stdout=org.apache.log4j.ConsoleAppender",
      "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout",
      "log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n",
      "",
    ].join("\n"),
  );
  const log4j2 = join(dir, "log4j2.properties");
  writeFileSync(
    log4j2,
    [
      "status = error",
      "appender.stdout.type = Console",
      "appender.stdout.name = STDOUT",
      "appender.stdout.layout.type = PatternLayout",
      "appender.stdout.layout.pattern = [%d] %p %m (%c)%n",
      "rootLogger.level = warn",
      "rootLogger.appenderRef.stdout.ref = STDOUT",
      "logger.kafka.name = kafka",
      "logger.kafka.level = info",
      "logger.apache.name = org.apache.kafka",
      "logger.apache.level = warn",
      "",
    ].join("\n"),
  );
  return { serverProperties, log4j, log4j2, logFile: join(dir, "broker.log"), logDir };
}

/** Formats KRaft storage unless the data dir already holds a formatted log. */
export async function formatStorage(
  classpath: string,
  serverProperties: string,
  logDir: string,
  log: Logger,
  // A Kafka cluster id is 16 random bytes in URL-safe base64 without padding.
  clusterId: string = randomBytes(16).toString("base64url"),
  /** More `format` arguments (SCRAM users: `scramFormatArgs`). */
  extra: readonly string[] = [],
): Promise<void> {
  if (existsSync(join(logDir, "meta.properties"))) return;
  log.info("formatting KRaft storage", { logDir, clusterId });
  // `--cluster-id=<id>` in one argument: an id may start with '-' (one in 64 do), which the tool's
  // parser takes for an option when the id is a separate argument.
  await run("java", [
    "-cp",
    classpath,
    "kafka.tools.StorageTool",
    "format",
    `--cluster-id=${clusterId}`,
    `--config=${serverProperties}`,
    ...extra,
  ]);
}

/** A running broker process. */
export interface BrokerProcess {
  /** The broker's JVM process. */
  child: ChildProcess;
  /** Its process id. */
  pid: number;
  /** The addresses clients connect to, `host:port`. */
  brokers: string[];
  /** The file the broker's output goes to. */
  logFile: string;
}

/** Options of {@link startBroker}. */
export interface StartBrokerOptions {
  /** Where the steps are said. */
  log: Logger;
  /**
   * Resolves once the broker at `brokers` answers a metadata request, rejects while
   * it does not (a Kafka client's cluster description; injected so that this
   * layer needs no Kafka client of its own).
   */
  probe(brokers: readonly string[], timeoutMs: number): Promise<unknown>;
  /** Leave the broker running after this process exits (the CLI's `start`). @default false */
  detached?: boolean;
  /** Cancels the start (the broker is stopped). */
  signal?: AbortSignal;
  /** Longest wait for the first answer. @default 90000 */
  readyTimeoutMs?: number;
}

/**
 * Provisions, formats and starts a broker; resolves once it answers metadata
 * requests. A broker left behind by an earlier run of the same data dir is stopped
 * first.
 */
export async function startBroker(s: LocalBrokerSettings, options: StartBrokerOptions): Promise<BrokerProcess> {
  const log = options.log;
  const classpath = await kafkaClasspath(s.version, log);
  const files = writeBrokerConfig(s);
  await stopStaleBroker(s.dataDir, log);
  for (const p of [s.port, s.controllerPort]) {
    if (await portInUse(p)) {
      throw new InfraError(
        `port ${p} on 127.0.0.1 is already in use: choose other KAFKA_PORT / KAFKA_CONTROLLER_PORT values or stop what listens there`,
      );
    }
  }
  await formatStorage(
    classpath,
    files.serverProperties,
    files.logDir,
    log,
    undefined,
    s.security ? scramFormatArgs(s.security) : [],
  );
  const out = openSync(files.logFile, "a");
  const child = spawn("java", [
    `-Xmx${s.heap}`,
    `-Xms${s.heap}`,
    "-XX:+UseG1GC",
    "-Djava.awt.headless=true",
    `-Dlog4j.configuration=file:${files.log4j}`,
    // Kafka 4 logs through log4j2, which reads its own file.
    `-Dlog4j2.configurationFile=${files.log4j2}`,
    "-cp",
    classpath,
    "kafka.Kafka",
    files.serverProperties,
  ], {
    stdio: ["ignore", out, out],
    // A process group of its own: a Ctrl-C in the terminal signals the node's group, and the node stops the
    // broker itself, last, after its consumers have stopped (the JVM would otherwise exit at once with them).
    detached: true,
  });
  closeSync(out);
  if (child.pid === undefined) throw new InfraError("the Kafka broker JVM did not start (is java on the PATH?)");
  writeFileSync(pidFile(s.dataDir), String(child.pid));
  if (options.detached) child.unref();
  else stopWithThisProcess(child);
  const brokers = [`127.0.0.1:${s.port}`];
  log.info("Kafka broker starting", { pid: child.pid, brokers, logFile: files.logFile });
  let exited: string | null = null;
  child.once("exit", (code, sig) => (exited = `exited with ${sig ?? `code ${code}`}`));
  const end = Date.now() + (options.readyTimeoutMs ?? 90_000);
  for (;;) {
    if (exited) {
      throw new InfraError(`the Kafka broker ${exited} before it was ready; see ${files.logFile}`, { retriable: true });
    }
    if (options.signal?.aborted) {
      await terminate(child.pid, 5000);
      throw new InfraError("broker start was cancelled");
    }
    try {
      await options.probe(brokers, 1000);
      break;
    } catch {
      if (Date.now() > end) {
        await terminate(child.pid, 5000);
        throw new InfraError(
          `the Kafka broker did not answer on ${brokers[0]} within ${
            options.readyTimeoutMs ?? 90_000
          } ms; see ${files.logFile}`,
          { retriable: true },
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  log.info("Kafka broker ready", { pid: child.pid, brokers });
  return { child, pid: child.pid, brokers, logFile: files.logFile };
}

/**
 * A broker in its own process group outlives its node unless told: when the node exits without stopping it
 * (a second Ctrl-C, a shutdown past its deadline, an uncaught error), the broker gets SIGTERM (and SIGCONT,
 * should it be frozen) and stops by itself. A node killed with SIGKILL cannot do this; the next start from the
 * same data dir stops the broker it left (stopStaleBroker).
 */
function stopWithThisProcess(child: ChildProcess): void {
  const onExit = () => {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    try {
      process.kill(child.pid, "SIGTERM");
      process.kill(child.pid, "SIGCONT");
    } catch {
      // gone already
    }
  };
  process.once("exit", onExit);
  child.once("exit", () => process.off("exit", onExit));
}

function pidFile(dataDir: string): string {
  return join(resolve(dataDir), "broker.pid");
}

/** The pid of the broker started from this data dir, if it is still alive. */
export function runningBrokerPid(dataDir: string): number | null {
  const file = pidFile(dataDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return null;
  return pidCommandLine(pid).includes(join(resolve(dataDir), "server.properties")) ? pid : null;
}

/** Stops a broker left behind by an earlier run of this data dir. */
export async function stopStaleBroker(dataDir: string, log: Logger): Promise<void> {
  const pid = runningBrokerPid(dataDir);
  if (pid === null) return;
  log.warn("stopping a Kafka broker left running by an earlier run of this data dir", { pid, dataDir });
  await terminate(pid, 15_000);
}
