/**
 * Role subtrees: which actors each node role starts. Roles start in the order of
 * `ROLES` (infrastructure first) under the root supervisor.
 * @module
 */
import type { ActorSystem, Role, TroupeConfig } from "../system/mod.ts";
import { startBrokerRole } from "./broker.ts";
import { type DbRole, startDbRole } from "./db.ts";
import { type InferenceRole, startInferenceRole } from "./inference.ts";
import { type SimulatorRole, startSimulatorRole } from "./simulator.ts";

export type { DbFigures, DbRole } from "./db.ts";
export type { SimulatorFigures, SimulatorRole } from "./simulator.ts";
export type { InferenceFigures, InferenceRole } from "./inference.ts";

/** The started roles of a node, with their live figures. */
export interface StartedRoles {
  broker?: true;
  db?: DbRole;
  inference?: InferenceRole;
  simulator?: SimulatorRole;
}

const STARTERS = {
  broker: async (system: ActorSystem, config: TroupeConfig, out: StartedRoles) => {
    await startBrokerRole(system, config);
    out.broker = true;
  },
  db: async (system: ActorSystem, config: TroupeConfig, out: StartedRoles) => {
    out.db = await startDbRole(system, config);
  },
  inference: async (system: ActorSystem, config: TroupeConfig, out: StartedRoles) => {
    out.inference = await startInferenceRole(system, config);
  },
  simulator: async (system: ActorSystem, config: TroupeConfig, out: StartedRoles) => {
    out.simulator = await startSimulatorRole(system, config);
  },
} satisfies Partial<Record<Role, (system: ActorSystem, config: TroupeConfig, out: StartedRoles) => Promise<void>>>;

const starters: Partial<Record<Role, (system: ActorSystem, config: TroupeConfig, out: StartedRoles) => Promise<void>>> = STARTERS;

/** Roles that this version can run. */
export const IMPLEMENTED_ROLES = Object.keys(STARTERS) as Role[];

/** The roles in `roles` that this version cannot run yet. */
export function unimplementedRoles(roles: readonly Role[]): Role[] {
  return roles.filter((r) => !starters[r]);
}

/** Starts every role of the node, in order (broker, db, inference, simulator). */
export async function startRoles(system: ActorSystem, config: TroupeConfig): Promise<StartedRoles> {
  const out: StartedRoles = {};
  for (const role of config.roles) {
    const start = starters[role];
    if (!start) throw new Error(`role '${role}' is not implemented in this version`);
    system.log.info("starting role", { role });
    await start(system, config, out);
  }
  return out;
}
