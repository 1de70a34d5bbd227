/**
 * Role subtrees: which actors each node role starts. Roles start in the order of
 * `ROLES` (infrastructure first) under the root supervisor.
 * @module
 */
import type { Registry } from "prom-client";
import type { ActorSystem } from "../system/mod.ts";
import type { HopReporter } from "../protocols/mod.ts";
import type { Role } from "./roles.ts";
import type { TroupeConfig } from "./config.ts";
import { startBrokerRole } from "./role_broker.ts";
import { type DbRole, startDbRole } from "./role_db.ts";
import { type InferenceRole, startInferenceRole } from "./role_inference.ts";
import { type SimulatorRole, startSimulatorRole } from "./role_simulator.ts";

export type { DbFigures, DbRole } from "./role_db.ts";
export type { SimulatorFigures, SimulatorRole } from "./role_simulator.ts";
export type { InferenceFigures, InferenceRole } from "./role_inference.ts";

/** The started roles of a node, with their live figures. */
export interface StartedRoles {
  broker?: true;
  db?: DbRole;
  inference?: InferenceRole;
  simulator?: SimulatorRole;
}

/** What the node shares with its roles. */
export interface NodeServices {
  /** Metrics of the roles' own, served at the ops endpoint's /metrics. */
  registry: Registry;
  /** Where the roles' actors report the hops of the sampled images. */
  hops: HopReporter;
}

type Starter = (system: ActorSystem, config: TroupeConfig, out: StartedRoles, services: NodeServices) => Promise<void>;

const STARTERS: Record<Role, Starter> = {
  broker: async (system, config, out) => {
    await startBrokerRole(system, config);
    out.broker = true;
  },
  db: async (system, config, out, services) => {
    out.db = await startDbRole(system, config, services.hops);
  },
  inference: async (system, config, out, services) => {
    out.inference = await startInferenceRole(system, config, services.registry, services.hops);
  },
  simulator: async (system, config, out, services) => {
    out.simulator = await startSimulatorRole(system, config, services.hops);
  },
};

/** Starts every role of the node, in order (broker, db, inference, simulator). */
export async function startRoles(
  system: ActorSystem,
  config: TroupeConfig,
  services: NodeServices,
): Promise<StartedRoles> {
  const out: StartedRoles = {};
  for (const role of config.roles) {
    system.log.info("starting role", { role });
    await STARTERS[role](system, config, out, services);
  }
  return out;
}
