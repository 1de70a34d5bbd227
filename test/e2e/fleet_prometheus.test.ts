// The fleet for Prometheus (issue 21), with a real Prometheus (Debian's package): it discovers every node through one
// node's GET /fleet/targets and scrapes them all; it scrapes the fleet's gauges from GET /fleet/metrics and loads the
// sample alert rules; a node killed with -9 fires TroupeNodeLost for that node.
import t from "tap";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPrometheus } from "../../infra/prometheus.ts";
import { silentLogger } from "../../system/mod.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

type Target = { labels: Record<string, string>; scrapePool: string; health: string; lastError: string };

t.test("Prometheus discovers and scrapes every node through /fleet/targets; the alert rules fire", async (t) => {
  const env: Record<string, string> = { ...pipelineEnv("fleet_prom"), HEARTBEAT_MS: "300", SIM_RATE: "1" };
  const a = await startNodeProcess(t, { ...env, NODE_ID: "prom-a", ROLE: "simulator" });
  const b = await startNodeProcess(t, { ...env, NODE_ID: "prom-b", ROLE: "simulator" });
  const dir = mkdtempSync(join(tmpdir(), "troupe-prometheus-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const host = new URL(a.base).host;
  const prometheus = await startPrometheus({
    dir,
    log: silentLogger,
    rules: { "troupe_alerts.yml": readFileSync("ops/prometheus/troupe_alerts.yml", "utf8") },
    config: `
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [troupe_alerts.yml]
scrape_configs:
  - job_name: troupe
    http_sd_configs: [{ url: "${a.base}/fleet/targets", refresh_interval: 1s }]
  - job_name: troupe-fleet
    metrics_path: /fleet/metrics
    static_configs: [{ targets: ["${host}"] }]
`,
  });
  t.teardown(() => prometheus.stop());
  const api = async <T>(path: string): Promise<T> =>
    ((await (await fetch(`${prometheus.url}/api/v1/${path}`)).json()) as { data: T }).data;

  const targets = await until(
    "both nodes discovered and up, and the fleet's gauges scraped",
    async () => {
      const active = (await api<{ activeTargets: Target[] }>("targets")).activeTargets;
      const up = active.filter((x) => x.health === "up");
      return up.length === 3 ? active : null;
    },
    60_000,
    250,
  );
  const nodes = targets.filter((x) => x.scrapePool === "troupe").map((x) => x.labels).sort((p, q) =>
    p["node"]!.localeCompare(q["node"]!)
  );
  t.same(nodes.map((l) => [l["node"], l["role"], l["instance"]]), [
    ["prom-a", "simulator", new URL(a.base).host],
    ["prom-b", "simulator", new URL(b.base).host],
  ], "every node, labelled node and role, at its own address");
  t.ok(nodes.every((l) => l["version"] && l["version"] !== "unknown"), "labelled with troupe's version");
  const up = await api<{ result: { metric: Record<string, string> }[] }>('query?query=troupe_node_ready{job="troupe"}');
  t.same(up.result.map((r) => r.metric["node"]).sort(), ["prom-a", "prom-b"], "each node's own metrics scraped");
  const rules = await api<{ groups: { name: string; rules: { name: string; health: string }[] }[] }>("rules");
  const fleetRules = rules.groups.find((g) => g.name === "troupe-fleet")!.rules;
  t.equal(fleetRules.length, 7, "the sample rules loaded");
  t.ok(fleetRules.every((r) => r.health !== "err"), "and none fails to evaluate");

  b.proc.kill("SIGKILL");
  const firing = await until(
    "TroupeNodeLost firing for prom-b",
    async () => {
      const alerts = (await api<{ alerts: { labels: Record<string, string>; state: string }[] }>("alerts")).alerts;
      return alerts.find((x) => x.labels["alertname"] === "TroupeNodeLost" && x.state === "firing") ?? null;
    },
    60_000,
    250,
  );
  t.same([firing.labels["node"], firing.labels["role"], firing.labels["severity"]], ["prom-b", "simulator", "warning"]);
  const left = await until(
    "prom-b no longer a target",
    async () => {
      const active = (await api<{ activeTargets: Target[] }>("targets")).activeTargets;
      const ours = active.filter((x) => x.scrapePool === "troupe");
      return ours.length === 1 ? ours : null;
    },
    60_000,
    250,
  );
  t.equal(left[0]!.labels["node"], "prom-a", "only live nodes are targets");
  a.proc.kill("SIGTERM");
  t.equal(await a.exited, 0);
});
