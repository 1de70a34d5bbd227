/**
 * The node's part in the fleet: its heartbeat (figures, fingerprint, every fifth beat
 * its actor tree) on the nodes topic every `HEARTBEAT_MS`, its log shipper, and the
 * fleet's data for the ops routes (`/fleet`...), read from Kafka when first asked for
 * (a node that is never asked reads nothing).
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import {
  type FleetWatch,
  heartbeatPublisherSpec,
  type HeartbeatSnapshot,
  type LogFilter,
  type LogGate,
  logShipperSpec,
  newLogShipperStats,
  watchFleet,
} from "../actors/fleet/mod.ts";
import { gitCommit } from "../infra/git.ts";
import type { FleetTrace, FleetView, LogRecord } from "../protocols/mod.ts";
import { inTraceSample } from "../protocols/hops.ts";
import type { KafkaConnection } from "../actors/kafka/mod.ts";
import { actorsResponse, type FleetTree, type Observer } from "../ops/mod.ts";
import { type ActorSystem, errorMessage, type Logger, startChild } from "../system/mod.ts";
import { kafkaBrokersOf, kafkaConnectionOf } from "./_kafka.ts";
import type { TroupeConfig } from "./config.ts";
import { FigureRates, MinuteHistograms, roleCounters, roleHistograms, treeFigures } from "./fleet_figures.ts";
import type { StartedRoles } from "./start_roles.ts";

/** troupe's version: the nearest package.json named troupe above this file (a build copy sits deeper); else unknown. */
function troupeVersion(): string {
  for (let up = "../"; up.length <= 18; up += "../") {
    try {
      const pkg = JSON.parse(readFileSync(new URL(`${up}package.json`, import.meta.url), "utf8")) as {
        name?: string;
        version?: string;
      };
      if (pkg.name === "troupe" && pkg.version) return pkg.version;
    } catch { /* not here: look further up */ }
  }
  return "unknown";
}

/** What members of one group must share: two nodes that differ here show as skew. */
export function configFingerprint(config: TroupeConfig): Record<string, string | number> {
  return {
    topicImages: config.topics.images,
    topicInferences: config.topics.inferences,
    topicDeadletter: config.topics.deadletter,
    partitions: config.topics.partitions,
    dbGroup: config.db.groupId,
    schema: config.db.schema,
    inferenceGroup: config.inference.groupId,
    model: config.inference.modelName ?? "default",
    engine: config.inference.engine,
    precision: config.inference.precision,
  };
}

/** Where Kafka is and how to reach it, as a node with `config` does (for the fleet's commands). */
export function kafkaSettingsOf(config: TroupeConfig): { brokers: string[]; connection: KafkaConnection } {
  return { brokers: kafkaBrokersOf(config), connection: kafkaConnectionOf(config) };
}

/**
 * A watch of the fleet with the node's settings: its nodes topic, and offsets read every heartbeat interval (2 s by
 * default) of the pipeline's topics and groups as `config` names them. Rejects naming the topic when it cannot be read.
 */
export async function watchFleetOf(config: TroupeConfig, log?: Logger): Promise<FleetWatch> {
  try {
    return await watchFleet({
      brokers: kafkaBrokersOf(config),
      connection: kafkaConnectionOf(config),
      topic: config.fleet.topic,
      pipeline: {
        topicImages: config.topics.images,
        topicInferences: config.topics.inferences,
        dbGroup: config.db.groupId,
        inferenceGroup: config.inference.groupId,
      },
      offsetsIntervalMs: config.fleet.heartbeatMs || 2_000,
      logsTopic: config.fleet.logs.topic,
      ...(log ? { log } : {}),
    });
  } catch (err) {
    throw new Error(`the nodes topic ${config.fleet.topic} cannot be read: ${errorMessage(err)}`);
  }
}

/** The node's fleet pieces: its heartbeat (started by `start`) and the view `GET /fleet` serves. */
export interface NodeFleet {
  start(system: ActorSystem, opsUrl: string, roles: () => StartedRoles, observer: Observer): Promise<void>;
  /** Every node the nodes topic knows, and their states. */
  view(): Promise<FleetView>;
  /** A node's latest actor tree. */
  tree(nodeId: string): Promise<FleetTree | null>;
  /** The fleet's last log lines that pass `filter`. */
  logs(filter: LogFilter, limit: number): Promise<LogRecord[]>;
  /** One image's hops across the fleet. */
  trace(traceId: string): Promise<FleetTrace>;
  /** The trace ids most recently reported, newest first. */
  recentTraces(n: number): Promise<string[]>;
  stop(): Promise<void>;
}

/** The fleet pieces of a node with `config`. */
export function nodeFleet(config: TroupeConfig, log?: Logger, gate: LogGate | null = null): NodeFleet {
  const startedAt = new Date().toISOString();
  const brokers = kafkaBrokersOf(config);
  const connection = kafkaConnectionOf(config);
  let watch: Promise<FleetWatch> | null = null;
  const opened = async (): Promise<FleetWatch> => {
    watch ??= watchFleetOf(config, log).catch((err: unknown) => {
      watch = null;
      throw err;
    });
    const w = await watch;
    await w.caughtUp();
    return w;
  };
  return {
    async start(system, opsUrl, roles, observer) {
      const shipper = newLogShipperStats();
      if (gate) {
        await startChild(
          system.root,
          logShipperSpec({
            brokers,
            connection,
            topic: config.fleet.logs.topic,
            nodeId: config.nodeId,
            roles: config.roles,
            gate,
            stats: shipper,
          }),
        );
      }
      if (config.fleet.heartbeatMs === 0) return;
      // The commit of troupe's own sources (not of whatever repository the node was started in).
      const commit = await gitCommit(new URL("..", import.meta.url).pathname);
      const version = troupeVersion();
      const rates = new FigureRates();
      const minute = new MinuteHistograms();
      const snapshot = (): HeartbeatSnapshot => {
        const report = system.readiness.report();
        const tree = treeFigures(system.snapshot());
        return {
          nodeId: config.nodeId,
          roles: [...config.roles],
          host: hostname(),
          opsUrl,
          version,
          commit,
          startedAt,
          ready: system.ready,
          waitingFor: Object.entries(report).filter(([, d]) => !d.ok).map(([name, d]) => `${name}: ${d.detail}`),
          fingerprint: {
            ...configFingerprint(config),
            ...(roles().inference ? { modelHash: roles().inference!.figures().modelHash } : {}),
          },
          figures: {
            ...rates.sample(Date.now(), roleCounters(roles()), tree),
            ...(gate ? { logsShipped: shipper.shipped, logsDropped: gate.droppedTotal + shipper.lost } : {}),
          },
          ...(roles().db ? { histograms: minute.sample(Date.now(), roleHistograms(roles())) } : {}),
          lastError: tree.lastError ? `${tree.lastError.at} ${tree.lastError.message}`.slice(0, 2048) : null,
        };
      };
      await startChild(
        system.root,
        heartbeatPublisherSpec({
          brokers,
          connection,
          topic: config.fleet.topic,
          intervalMs: config.fleet.heartbeatMs,
          snapshot,
          // The tree every fifth beat (10 s by default), with figures over the same span.
          tree: () => actorsResponse(system, observer, { nodeId: config.nodeId, control: config.ops.control }, 10),
          treeEveryBeats: 5,
        }),
      );
    },
    async view() {
      return (await opened()).view();
    },
    async logs(filter, limit) {
      return (await opened()).logs(filter, limit);
    },
    async trace(traceId) {
      return (await opened()).trace(traceId, inTraceSample(traceId, config.fleet.traceSample));
    },
    async recentTraces(n) {
      return (await opened()).recentTraces(n);
    },
    async tree(nodeId) {
      const t = (await opened()).tree(nodeId);
      return t ? { nodeId: t.nodeId, sentAt: t.sentAt, actors: t.actors } : null;
    },
    async stop() {
      const w = watch;
      watch = null;
      if (w) await (await w.catch(() => null))?.stop();
    },
  };
}
