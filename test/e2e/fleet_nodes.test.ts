// Nodes beat on the fleet's nodes topic, and any node's GET /fleet lists every node: live while it runs, left once it
// stopped (issue 21, in progress).
import t from "tap";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

type Fleet = {
  topic: string;
  nodes: { nodeId: string; state: string; heartbeat: { roles: string[]; opsUrl: string } }[];
};

t.test("two nodes see each other in GET /fleet; a stopped node is listed as left", async (t) => {
  const env: Record<string, string> = { ...pipelineEnv("fleet"), HEARTBEAT_MS: "300", SIM_RATE: "1", SIM_DEVICES: "1" };
  const a = await startNodeProcess(t, { ...env, NODE_ID: "fleet-a", ROLE: "simulator" });
  const b = await startNodeProcess(t, { ...env, NODE_ID: "fleet-b", ROLE: "simulator" });
  const fleet = async () => (await (await fetch(`${a.base}/fleet`)).json()) as Fleet;
  const state = async (id: string) => (await fleet()).nodes.find((n) => n.nodeId === id)?.state;
  await until(
    "both nodes live in a's view",
    async () => (await state("fleet-a")) === "live" && (await state("fleet-b")) === "live",
    60_000,
    100,
  );
  const view = await fleet();
  t.equal(view.topic, env["TOPIC_NODES"], "the view names its topic");
  const nodeB = view.nodes.find((n) => n.nodeId === "fleet-b")!;
  t.same(nodeB.heartbeat.roles, ["simulator"]);
  t.equal(nodeB.heartbeat.opsUrl, b.base, "b's heartbeat carries its ops URL");
  b.proc.kill("SIGTERM");
  t.equal(await b.exited, 0, "b stops cleanly");
  await until("b left in a's view", async () => (await state("fleet-b")) === "left", 30_000, 100);
  t.equal(await state("fleet-a"), "live", "a is still live");
});
