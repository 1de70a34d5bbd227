/**
 * Node roles: which subtrees of actors a node starts. The original system ran
 * one role per machine; any list of roles may share a node.
 */
import { TroupeError } from "../system/mod.ts";

/** Every role, in start order (infrastructure first). */
export const ROLES = ["broker", "db", "inference", "simulator"] as const;

/** One role of a node. */
export type Role = (typeof ROLES)[number];

/**
 * Parses `ROLE`: a comma list of roles, or `all`. `all` is every role, but the
 * broker only when no external Kafka is given (`externalKafka`: KAFKA_BROKERS is
 * set); a broker named in the list always starts. Throws with the allowed values.
 */
export function parseRoles(raw: string, options: { externalKafka?: boolean } = {}): Role[] {
  const allowed = "simulator, broker, db, inference, all";
  const names = raw.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.length === 0) {
    throw new TroupeError("TROUPE_ERR_CONFIG", `ROLE must be one or more of ${allowed}: got '${raw}'`);
  }
  const out = new Set<Role>();
  for (const name of names) {
    if (name === "all") ROLES.forEach((r) => (r !== "broker" || !options.externalKafka) && out.add(r));
    else if ((ROLES as readonly string[]).includes(name)) out.add(name as Role);
    else throw new TroupeError("TROUPE_ERR_CONFIG", `ROLE must be one of ${allowed}: got '${name}'`);
  }
  return ROLES.filter((r) => out.has(r));
}
