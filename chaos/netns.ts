/**
 * The chaos suite's hosts: one Linux network namespace per host, each joined by a
 * veth pair to a bridge that lives in a namespace of its own (the switch), with
 * addresses in 198.18.0.0/24 (inside 198.18.0.0/15, the range set aside for such
 * testing). Nothing is added to the machine's own namespace, so nothing can be
 * routed off the machine. Everything is created by {@link createHosts} and removed
 * by {@link removeHosts}.
 */
import { execFileSync } from "node:child_process";
import process from "node:process";

/** A host of the suite. */
export interface Host {
  /** Short name: broker, db, inference, camera, observer. */
  name: string;
  /** Its network namespace. */
  ns: string;
  /** Its address on the bridge. */
  ip: string;
  /** Its end of the veth pair (inside `ns`). */
  dev: string;
}

/** The suite's network. */
export interface Network {
  prefix: string;
  switchNs: string;
  hosts: Record<string, Host>;
}

function ip(args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Fails with a clear message where network namespaces cannot be made (not root, no iproute2, no veth or bridge). */
export function checkNamespaces(prefix: string): void {
  const probe = `${prefix}-probe`;
  try {
    ip(["netns", "add", probe]);
    ip(["-n", probe, "link", "add", "v0", "type", "veth", "peer", "name", "v1"]);
    ip(["-n", probe, "link", "add", "br0", "type", "bridge"]);
  } catch (err) {
    const detail = (err as { stderr?: string }).stderr?.trim() || (err as Error).message;
    throw new Error(
      `chaos: network namespaces with veth pairs and a bridge are needed (run as root with iproute2 on Linux): ${detail}`,
    );
  } finally {
    try {
      ip(["netns", "del", probe]);
    } catch { /* it was never made */ }
  }
}

/** Creates the switch and one namespace per host name, addresses 198.18.0.2 onwards in the order given. */
export function createHosts(prefix: string, names: string[]): Network {
  const switchNs = `${prefix}-switch`;
  ip(["netns", "add", switchNs]);
  ip(["-n", switchNs, "link", "add", "br0", "type", "bridge"]);
  ip(["-n", switchNs, "link", "set", "br0", "up"]);
  const hosts: Record<string, Host> = {};
  names.forEach((name, i) => {
    const ns = `${prefix}-${name}`;
    const host: Host = { name, ns, ip: `198.18.0.${i + 2}`, dev: "eth0" };
    ip(["netns", "add", ns]);
    ip(["-n", ns, "link", "set", "lo", "up"]);
    // Made inside the host's namespace, the switch's end moved across: nothing touches the machine's own.
    ip(["-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", `p-${name}`]);
    ip(["-n", ns, "link", "set", `p-${name}`, "netns", switchNs]);
    ip(["-n", switchNs, "link", "set", `p-${name}`, "master", "br0"]);
    ip(["-n", switchNs, "link", "set", `p-${name}`, "up"]);
    ip(["-n", ns, "addr", "add", `${host.ip}/24`, "dev", "eth0"]);
    ip(["-n", ns, "link", "set", "eth0", "up"]);
    hosts[name] = host;
  });
  return { prefix, switchNs, hosts };
}

/** Cuts a host off the network (its switch port down) or heals it. */
export function setLink(net: Network, host: string, up: boolean): void {
  ip(["-n", net.switchNs, "link", "set", `p-${host}`, up ? "up" : "down"]);
}

/** Removes every namespace whose name starts with `prefix-` (this run's, or a crashed run's). */
export function removeHosts(prefix: string): void {
  const list = ip(["netns", "list"]).split("\n").map((l) => l.split(" ")[0] ?? "").filter((n) =>
    n.startsWith(`${prefix}-`)
  );
  // A process left in a namespace (an interrupted run's nodes, broker, PostgreSQL) would outlive its removal.
  for (const ns of list) {
    for (const pid of ip(["netns", "pids", ns]).split("\n").map(Number).filter((n) => n > 0)) {
      try {
        process.kill(pid, "SIGKILL");
      } catch { /* exited meanwhile */ }
    }
  }
  for (const ns of list) {
    try {
      ip(["netns", "del", ns]);
    } catch { /* already gone */ }
  }
}
