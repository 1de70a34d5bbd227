/**
 * A troupe node: an actor system, its ops endpoint, and the subtrees of its roles.
 */
import { Registry } from "prom-client";
import { createOpsApp, Observer, serveOps } from "../ops/mod.ts";
import { type ActorSystem, createLogger, errorMessage, type Logger, startSystem, TroupeError } from "../system/mod.ts";
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

/** The node was asked to stop (`StartNodeOptions.signal`) before it had started; what had started was stopped. */
export class StartAborted extends TroupeError {
  constructor() {
    super("TROUPE_ERR_START_ABORTED", "the node was stopped while it started", { retriable: false });
  }
}

/** Options of {@link startNode}. */
export interface StartNodeOptions {
  /** The node's logger. @default JSON lines on standard error, at `LOG_LEVEL`, shipped to the fleet's log topic */
  log?: Logger;
  /**
   * Stops a start under way: what has started stops in order (as {@link TroupeNode.stop}) without waiting for the
   * step in progress (a dependency not up yet, a consumer group that cannot be joined yet, a model loading), and the
   * start rejects with {@link StartAborted}.
   */
  signal?: AbortSignal;
}

/**
 * Starts a node: the ops endpoint first (so `/readyz` answers 503 while roles
 * start), then each role in order. Rejects if a role cannot start.
 */
export async function startNode(config: TroupeConfig, options: StartNodeOptions = {}): Promise<TroupeNode> {
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
  // A stop asked for meanwhile: the step in progress is left to end on its own (its rejection is ignored), and what has
  // started stops in order.
  const stopAsked = new Promise<never>((_, reject) => {
    const abort = () => reject(new StartAborted());
    if (options.signal?.aborted) abort();
    else options.signal?.addEventListener("abort", abort, { once: true });
  });
  stopAsked.catch(() => {});
  const step = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => {});
    return Promise.race([p, stopAsked]);
  };
  try {
    if (fleetFirst) await step(fleet.start(system, opsUrl, () => roles, observer));
    await step(waitForDependencies(config, log, {
      waitS: config.startWaitS,
      signal: startAborted.signal,
      onWaiting: (w) =>
        system.readiness.set(
          "roles",
          false,
          `waiting for ${w.what} (${w.waitedS} s of START_WAIT_S=${config.startWaitS})`,
        ),
    }));
    system.readiness.set("roles", false, `starting ${config.roles.join(", ")}`);
    const hops = hopReporter({ gate, nodeId: config.nodeId, ratio: config.fleet.traceSample });
    roles = await step(startRoles(system, config, { registry, hops }));
    if (!fleetFirst) await step(fleet.start(system, opsUrl, () => roles, observer));
    system.readiness.set("roles", true, `started ${config.roles.join(", ")}`);
  } catch (err) {
    const aborted = options.signal?.aborted === true;
    if (aborted) log.info("stopped while starting", { roles: config.roles });
    else log.error("the node could not start", { error: errorMessage(err) });
    await stop();
    throw aborted ? new StartAborted() : err;
  }
  log.info("node started", { roles: config.roles, ready: system.ready, ops: opsUrl });
  return { system, ops, log, opsUrl, roles, stop };
}
