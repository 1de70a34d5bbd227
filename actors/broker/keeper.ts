/**
 * Broker keeper: runs the local Kafka broker JVM as a supervised child process.
 * Its state is the running process; when the process dies the keeper fails, and
 * its supervisor restarts it (a fresh process) under the restart budget. It keeps
 * the node's `kafka-broker` readiness up to date.
 */
import type { ChildProcess } from "node:child_process";
import { type LocalBrokerSettings, startBroker, terminate } from "../../infra/mod.ts";
import { probeKafka } from "../kafka/mod.ts";
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
  constructor(pid: number, how: string) {
    super("TROUPE_ERR_BROKER_EXITED", `Kafka broker process ${pid} ${how}`, { retriable: true });
  }
}

/** Options of {@link brokerKeeper}. */
export interface BrokerKeeperOptions {
  settings: LocalBrokerSettings;
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
export function brokerKeeper(options: BrokerKeeperOptions): Behaviour<BrokerKeeperMsg, State> {
  const dep = options.dependency ?? "kafka-broker";
  options.readiness.declare(dep, "broker starting");
  const behaviour: Behaviour<Msg, State> = {
    async init(ctx) {
      options.readiness.set(dep, false, "broker starting");
      const b = await startBroker(options.settings, { log: ctx.log, probe: probeKafka, signal: ctx.signal });
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

/** The brokerKeeper actor as a supervisor's child: `keeper`, capacity 8, 20 s for the broker to stop. */
export function brokerKeeperSpec(
  options: BrokerKeeperOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<BrokerKeeperMsg> {
  return childSpec(brokerKeeper(options), { name: "keeper", capacity: 8, shutdownMs: 20_000 }, props);
}
