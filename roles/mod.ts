/**
 * Role subtrees: which actors each node role starts. Roles start in the order of
 * `ROLES` (infrastructure first) under the root supervisor.
 * @module
 */
import type { ActorSystem, Role, TroupeConfig } from "../system/mod.ts";
import { startBrokerRole } from "./broker.ts";

type RoleStarter = (system: ActorSystem, config: TroupeConfig) => Promise<void>;

const STARTERS: Partial<Record<Role, RoleStarter>> = {
  broker: startBrokerRole,
};

/** Roles that this version can run. */
export const IMPLEMENTED_ROLES = Object.keys(STARTERS) as Role[];

/** The roles in `roles` that this version cannot run yet. */
export function unimplementedRoles(roles: readonly Role[]): Role[] {
  return roles.filter((r) => !STARTERS[r]);
}

/** Starts every role of the node, in order. */
export async function startRoles(system: ActorSystem, config: TroupeConfig): Promise<void> {
  for (const role of config.roles) {
    const start = STARTERS[role];
    if (!start) throw new Error(`role '${role}' is not implemented in this version`);
    system.log.info("starting role", { role });
    await start(system, config);
  }
}
