/**
 * A troupe node: an actor system, its ops endpoint, and the subtrees of its roles.
 */
import { Registry } from "prom-client";
import { createOpsApp, Observer, serveOps } from "../ops/mod.ts";
import { type ActorSystem, createLogger, errorMessage, type Logger, startSystem } from "../system/mod.ts";
import { type HttpServer, runtime } from "../system/platform.ts";
import { redactConfig, type TroupeConfig } from "./config.ts";
import { type StartedRoles, startRoles } from "./start_roles.ts";
import { waitForDependencies } from "./preflight.ts";
import { nodeFleet } from "./fleet.ts";
import { hopReporter, LogGate } from "../actors/fleet/mod.ts";

/** A running node. */
export interface TroupeNode {
  readonly system: ActorSystem;
  readonly ops: HttpServer;
  readonly log: Logger;
  /** `http://host:port` of the ops endpoint. */
  readonly opsUrl: string;
  /** The started roles and their live figures. */
  readonly roles: StartedRoles;
  /** Graceful stop: roles in reverse order, then the ops endpoint. */
  stop(): Promise<void>;
}

/**
 * Starts a node: the ops endpoint first (so `/readyz` answers 503 while roles
 * start), then each role in order. Rejects if a role cannot start.
 */
export async function startNode(config: TroupeConfig, options: { log?: Logger } = {}): Promise<TroupeNode> {
  // The node's own logger also hands its lines to the gate of the fleet's log topic (a logger given here does not).
  const shipping = config.fleet.logs.level !== null && !options.log;
  const gate = shipping
    ? new LogGate({ level: config.fleet.logs.level ?? "warn", ratePerS: config.fleet.logs.rate })
    : null;
  const log = options.log ?? createLogger({
    level: config.logLevel,
    fields: { node: config.nodeId },
    sink: (line) => {
      console.error(line);
      gate?.offer(line, Date.now());
    },
  });
  log.info("starting troupe node", { roles: config.roles, runtime, config: redactConfig(config) });
  const system = startSystem({ logger: log, root: { intensity: 3, periodMs: 60_000 } });
  const registry = new Registry();
  const fleet = nodeFleet(config, log, gate);
  const observer = new Observer(system).start();
  const app = createOpsApp(system, {
    observer,
    nodeId: config.nodeId,
    token: config.ops.token,
    control: config.ops.control,
    config: redactConfig(config),
    metrics: () => registry.metrics(),
    fleet,
  });
  const ops = await serveOps(app, config.ops);
  const opsUrl = `http://${ops.host.includes(":") ? `[${ops.host}]` : ops.host}:${ops.port}`;
  log.info("ops endpoint listening", {
    url: opsUrl,
    auth: config.ops.token ? "bearer token" : "none (loopback)",
    control: config.ops.control ? "on" : "off",
  });
  let stopping: Promise<void> | null = null;
  const startAborted = new AbortController();
  const stop = () => (stopping ??= (async () => {
    startAborted.abort();
    log.info("stopping node", { deadlineMs: config.shutdownDeadlineMs });
    await system.shutdown({ deadlineMs: config.shutdownDeadlineMs });
    await fleet.stop();
    await ops.close();
    log.info("node stopped");
  })());
  let roles: StartedRoles = {};
  // Not ready until every role has started (dependencies are declared as actors start).
  system.readiness.declare("roles", `starting ${config.roles.join(", ")}`);
  // A node whose broker runs elsewhere beats (and ships its lines) from the start, so the fleet sees what it waits
  // for; a node with the broker role starts them once its broker is up. Started first, they stop last.
  const fleetFirst = !config.roles.includes("broker");
  try {
    if (fleetFirst) await fleet.start(system, opsUrl, () => roles, observer);
    await waitForDependencies(config, log, {
      waitS: config.startWaitS,
      signal: startAborted.signal,
      onWaiting: (w) =>
        system.readiness.set(
          "roles",
          false,
          `waiting for ${w.what} (${w.waitedS} s of START_WAIT_S=${config.startWaitS})`,
        ),
    });
    system.readiness.set("roles", false, `starting ${config.roles.join(", ")}`);
    const hops = hopReporter({ gate, nodeId: config.nodeId, ratio: config.fleet.traceSample });
    roles = await startRoles(system, config, { registry, hops });
    if (!fleetFirst) await fleet.start(system, opsUrl, () => roles, observer);
    system.readiness.set("roles", true, `started ${config.roles.join(", ")}`);
  } catch (err) {
    log.error("the node could not start", { error: errorMessage(err) });
    await stop();
    throw err;
  }
  log.info("node started", { roles: config.roles, ready: system.ready, ops: opsUrl });
  return { system, ops, log, opsUrl, roles, stop };
}
