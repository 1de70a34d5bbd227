/**
 * Broker keeper: runs the local Kafka broker JVM as a supervised child process.
 * Its state is the running process; when the process dies the keeper fails, and
 * its supervisor restarts it (a fresh process) under the restart budget. It keeps
 * the node's `kafka-broker` readiness up to date.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  type BrokerSecurity,
  type LocalBrokerSettings,
  makeBrokerCerts,
  startBroker,
  terminate,
} from "../../infra/mod.ts";
import { certFiles } from "../../infra/kafka_security.ts";
import { type KafkaConnection, probeKafka } from "../kafka/mod.ts";
import {
  type ActorProps,
  type Behaviour,
  type ChildSpec,
  childSpec,
  type Readiness,
  TroupeError,
} from "../../system/mod.ts";

/** The keeper takes no messages from other actors. */
export type BrokerKeeperMsg = never;

/** Its own: the broker process exited. */
type Msg = { type: "broker.exited"; pid: number; code: number | null; signal: string | null };

/** The broker process died under the keeper. */
export class BrokerExited extends TroupeError {
  /** An error saying how the broker process `pid` ended. */
  constructor(pid: number, how: string) {
    super("TROUPE_ERR_BROKER_EXITED", `Kafka broker process ${pid} ${how}`, { retriable: true });
  }
}

/** Options of {@link brokerKeeper}. */
export interface BrokerKeeperOptions {
  /** Where and how the broker runs (ports, data directory, Kafka version, heap). */
  settings: Omit<LocalBrokerSettings, "security">;
  /**
   * A SASL_SSL client listener: a private CA, the broker's keystore and SCRAM users are made in `<dataDir>/certs`
   * when missing (clients trust its `ca.pem` and log in as a user of its `secrets.json`). @default plaintext
   */
  saslSsl?: boolean;
  /** Where the keeper says whether the broker is up (under `dependency`). */
  readiness: Readiness;
  /** Name of the readiness dependency. @default "kafka-broker" */
  dependency?: string;
}

interface State {
  child: ChildProcess;
  pid: number;
  brokers: string[];
  logFile: string;
  startedAt: string;
}

/** The keeper's behaviour. */
export function brokerKeeper(options: BrokerKeeperOptions): Behaviour<BrokerKeeperMsg, unknown> {
  return keeper(options);
}

function keeper(options: BrokerKeeperOptions): Behaviour<BrokerKeeperMsg, State> {
  const dep = options.dependency ?? "kafka-broker";
  options.readiness.declare(dep, "broker starting");
  const behaviour: Behaviour<Msg, State> = {
    async init(ctx) {
      options.readiness.set(dep, false, "broker starting");
      const certDir = join(options.settings.dataDir, "certs");
      const security = options.saslSsl
        ? await makeBrokerCerts(certDir, [options.settings.advertisedHost ?? "127.0.0.1"], ctx.log)
        : undefined;
      const connection = security ? brokerClientConnection(security) : {};
      const b = await startBroker(
        { ...options.settings, ...(security ? { security } : {}) },
        { log: ctx.log, probe: (brokers, ms) => probeKafka(brokers, ms, connection), signal: ctx.signal },
      );
      if (security) {
        ctx.log.info("SASL_SSL listener: clients trust KAFKA_TLS_CA and log in as a user of the secrets file", {
          KAFKA_TLS_CA: security.caPem,
          secrets: certFiles(certDir).secrets,
          users: security.users.map((u) => u.name),
        });
      }
      b.child.once("exit", (code, signal) => {
        ctx.self.trySend({ type: "broker.exited", pid: b.pid, code, signal });
      });
      options.readiness.set(dep, true, `listening on ${b.brokers.join(",")}`);
      return {
        child: b.child,
        pid: b.pid,
        brokers: b.brokers,
        logFile: b.logFile,
        startedAt: new Date().toISOString(),
      };
    },
    receive(state, msg) {
      if (msg.type === "broker.exited" && msg.pid === state.pid) {
        options.readiness.set(dep, false, `broker process ${msg.pid} exited`);
        throw new BrokerExited(msg.pid, `exited with ${msg.signal ?? `code ${msg.code}`}; see ${state.logFile}`);
      }
      return state;
    },
    async stop(state, ctx) {
      options.readiness.set(dep, false, "broker stopping");
      ctx.log.info("stopping the Kafka broker", { pid: state.pid });
      await terminate(state.pid, 15_000);
      options.readiness.set(dep, false, "broker stopped");
      ctx.log.info("Kafka broker stopped", { pid: state.pid });
    },
    describe: (state) => ({
      pid: state.pid,
      brokers: state.brokers,
      logFile: state.logFile,
      startedAt: state.startedAt,
    }),
  };
  return behaviour;
}

/** How a client of a SASL_SSL broker made by troupe connects: its CA, and its first user with SCRAM-SHA-512. */
export function brokerClientConnection(security: BrokerSecurity): KafkaConnection {
  const user = security.users[0];
  return {
    tls: { ca: readFileSync(security.caPem, "utf8") },
    ...(user ? { sasl: { mechanism: "scram-sha-512", username: user.name, password: user.password } } : {}),
  };
}

/** The brokerKeeper actor as a supervisor's child: `keeper`, capacity 8, 20 s for the broker to stop. */
export function brokerKeeperSpec(
  options: BrokerKeeperOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<BrokerKeeperMsg> {
  return childSpec(brokerKeeper(options), { name: "keeper", capacity: 8, shutdownMs: 20_000 }, props);
}
