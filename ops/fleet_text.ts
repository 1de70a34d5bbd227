/**
 * The fleet as text for a terminal (`npm run fleet -- status`): the nodes table, the
 * groups with their status and lag, the flow's rates, the skew and the alerts. Pure:
 * from a {@link FleetView}.
 */
import type { FleetNode, FleetView } from "../protocols/fleet_view.ts";

/** The fleet as lines of text. */
export function renderFleetText(view: FleetView): string {
  const live = view.nodes.filter((n) => n.state === "live").length;
  const out: string[] = [
    `fleet on ${view.topic} at ${view.at}: ${view.nodes.length} nodes (${live} live, ${
      view.nodes.length - live
    } lost or left)`,
    "",
  ];
  out.push(...table(
    ["NODE", "STATE", "ROLES", "HOST", "READY", "VERSION", "UPTIME", "RATES", "SKEW"],
    view.nodes.map((n) => [
      n.nodeId,
      n.state === "live" ? "live" : `${n.state} ${Math.round(n.lastSeenS)}s ago`,
      n.roles.join(","),
      n.host,
      n.ready ? "yes" : n.waitingFor.length ? `no: ${n.waitingFor.join("; ")}` : "no",
      `${n.version} (${n.commit})`,
      n.uptimeS === null ? "-" : duration(n.uptimeS),
      rates(n),
      n.skew.length ? `! ${n.skew.join(",")}` : "",
    ]),
  ));
  if (view.groups.length > 0) {
    out.push("");
    out.push(...table(
      ["GROUP", "STATUS", "MEMBERS", "LAG", "WHY"],
      view.groups.map((
        g,
      ) => [g.groupId, g.status, g.members.join(",") || "-", g.lag === null ? "-" : String(g.lag), g.reason]),
    ));
  }
  out.push(
    "",
    `flow: ${view.flow.map((e) => `${e.from} -> ${e.to} ${e.ratePerS === null ? "-" : `${e.ratePerS}/s`}`).join("; ")}`,
  );
  const lat = (l: FleetView["latency"]["captureToImageRow"]) =>
    l ? `p50 ${l.p50Ms} ms, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms (${l.count} rows)` : "-";
  out.push(
    `latency, last minute: capture to image row ${lat(view.latency.captureToImageRow)}; ` +
      `capture to inference row ${lat(view.latency.captureToInferenceRow)}`,
  );
  if (view.alerts.length > 0) {
    out.push("", "alerts:");
    for (const a of view.alerts) out.push(`  ${a.severity.padEnd(8)} ${a.message}`);
  } else {
    out.push("", "alerts: none");
  }
  return `${out.join("\n")}\n`;
}

function rates(n: FleetNode): string {
  return Object.entries(n.figures).filter(([k]) => k.endsWith("PerS")).map(([k, v]) => `${k.slice(0, -4)} ${v}/s`).join(
    ", ",
  );
}

function duration(s: number): string {
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(header), ...rows.map(line)];
}
