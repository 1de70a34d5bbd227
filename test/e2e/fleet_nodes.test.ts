// The fleet seen from any node's GET /fleet (issue 21): nodes live, a camera on another images topic shown as skew
// and then left after its graceful stop; the db group with its member and status from Kafka's offsets, the flow's
// rates; the db node killed with -9: lost within three heartbeats, its group STOP with lag growing, the alerts; the
// db node back: live, its group OK again and the lag drained.
import t from "tap";
import { spawn } from "node:child_process";
import process from "node:process";
import { nodeArgs } from "../helpers/entry.ts";
import type { FleetView } from "../../protocols/mod.ts";
import type { FleetTree } from "../../ops/mod.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

t.test("one node's GET /fleet: membership, skew, the db group's status and lag through a kill -9", async (t) => {
  const env: Record<string, string> = {
    ...pipelineEnv("fleet"),
    HEARTBEAT_MS: "300",
    SIM_RATE: "20",
    SIM_DEVICES: "2",
    LOG_SHIP_LEVEL: "info",
  };
  const sim = await startNodeProcess(t, { ...env, NODE_ID: "fleet-sim", ROLE: "simulator" });
  const dbEnv = { ...env, NODE_ID: "fleet-db", ROLE: "db" };
  let db = await startNodeProcess(t, dbEnv);
  const odd = await startNodeProcess(t, {
    ...env,
    NODE_ID: "fleet-odd",
    ROLE: "simulator",
    TOPIC_IMAGES: `${env["TOPIC_IMAGES"]}.v2`,
    SIM_RATE: "1",
  });
  const fleet = async () => (await (await fetch(`${sim.base}/fleet`)).json()) as FleetView;
  const node = (v: FleetView, id: string) => v.nodes.find((n) => n.nodeId === id);
  const dbGroup = (v: FleetView) => v.groups.find((g) => g.groupId === env["DB_GROUP_ID"])!;

  let v = await until(
    "three nodes live, the db group OK with its member and rates",
    async () => {
      const v = await fleet();
      const ok = ["fleet-sim", "fleet-db", "fleet-odd"].every((id) => node(v, id)?.state === "live") &&
        dbGroup(v).status === "OK" && dbGroup(v).members.length === 1 && (v.flow[1]?.ratePerS ?? 0) > 0;
      return ok ? v : null;
    },
    60_000,
    200,
  );
  t.equal(v.topic, env["TOPIC_NODES"], "the view names its topic");
  t.equal(node(v, "fleet-db")!.opsUrl, db.base, "the db node's heartbeat carries its ops URL");
  t.same(node(v, "fleet-db")!.roles, ["db"]);
  t.same(dbGroup(v).members, ["fleet-db"]);
  t.same(v.groups.map((g) => g.groupId), [env["DB_GROUP_ID"]], "no inference node, no commits: no inference group");
  t.same(dbGroup(v).topics, [env["TOPIC_IMAGES"], env["TOPIC_INFERENCES"]]);
  t.same(v.flow[0]!.from, "cameras");
  t.ok(v.flow[0]!.ratePerS! > 0, `cameras -> images at ${v.flow[0]!.ratePerS}/s`);
  t.ok(node(v, "fleet-sim")!.figures["captured"]! > 0, "the simulator's heartbeat counts its captures");
  t.ok((node(v, "fleet-db")!.figures["imagesStored"] ?? 0) > 0, "the db node's counts its stored images");
  t.same(v.skew.map((s) => [s.key, s.values.map((x) => x.nodes)]), [
    ["topicImages", [["fleet-db", "fleet-sim"], ["fleet-odd"]]],
  ], "the camera on another images topic is skew");
  t.same(node(v, "fleet-odd")!.skew, ["topicImages"]);
  const latency = await until(
    "capture-to-row latency from the db node",
    async () => {
      const l = (await fleet()).latency.captureToImageRow;
      return l && l.count > 0 ? l : null;
    },
    30_000,
    100,
  );
  t.ok(latency.p50Ms > 0 && latency.p50Ms <= latency.p95Ms && latency.p95Ms <= latency.p99Ms, JSON.stringify(latency));
  t.ok(v.alerts.some((a) => a.kind === "skew"), "and an alert");

  // Any node's actor tree from the camera node's endpoint, as the db node last sent it.
  const tree = await until(
    "the db node's tree on the camera node",
    async () => {
      const r = await fetch(`${sim.base}/fleet/nodes/fleet-db/tree`);
      return r.status === 200 ? (await r.json()) as FleetTree : null;
    },
    30_000,
    100,
  );
  const paths: string[] = [];
  const walk = (n: { path: string; children: unknown[] }) => {
    paths.push(n.path);
    for (const c of n.children) walk(c as typeof n);
  };
  walk(tree.actors.tree);
  t.ok(paths.includes("/troupe/db/upserter"), "the db node's upserter in its tree");
  t.equal(tree.actors.node, "fleet-db");
  // Every node's lines in one place: the db node's, read on the camera node's endpoint, filtered.
  type Logs = { lines: { node: string; roles: string[]; line: { msg: string; level: string } }[] };
  const logs = async (q: string) => (await (await fetch(`${sim.base}/fleet/logs?${q}`)).json()) as Logs;
  const dbLines = await until(
    "the db node's lines in the camera node's tail",
    async () => {
      const l = await logs("node=fleet-db&level=info");
      return l.lines.some((x) => x.line.msg === "node started") ? l.lines : null;
    },
    30_000,
    100,
  );
  t.ok(dbLines.every((x) => x.node === "fleet-db" && x.roles.includes("db")), "only the db node's");
  t.ok((await logs("role=simulator")).lines.every((x) => x.roles.includes("simulator")), "filtered by role");
  t.same((await logs("level=error")).lines, [], "no error anywhere");
  const badLevel = await fetch(`${sim.base}/fleet/logs?level=loud`);
  t.equal(badLevel.status, 400);
  t.match(await badLevel.json(), { error: "level must be one of debug, info, warn, error: got 'loud'" });
  const none = await fetch(`${sim.base}/fleet/nodes/nobody/tree`);
  t.equal(none.status, 404);
  t.match(await none.json(), { error: "no actor tree of node 'nobody' on the nodes topic" });

  odd.proc.kill("SIGTERM");
  t.equal(await odd.exited, 0, "the odd camera stops cleanly");
  v = await until(
    "the odd camera left, and the skew with it",
    async () => {
      const v = await fleet();
      return node(v, "fleet-odd")?.state === "left" ? v : null;
    },
    30_000,
    100,
  );
  t.same(v.skew, [], "a node that left is not compared");

  db.proc.kill("SIGKILL");
  const killedAt = Date.now();
  v = await until(
    "the db node lost",
    async () => {
      const v = await fleet();
      return node(v, "fleet-db")?.state === "lost" ? v : null;
    },
    30_000,
    50,
  );
  t.comment(`lost ${Date.now() - killedAt} ms after the kill (three heartbeats of 300 ms)`);
  t.equal(dbGroup(v).status, "STOP", "its group has no live member");
  const lagAt = await until(
    "the db group's lag growing",
    async () => {
      const v = await fleet();
      return (dbGroup(v).lag ?? 0) > 20 ? v : null;
    },
    30_000,
    200,
  );
  t.same(
    lagAt.alerts.filter((a) => a.severity === "critical").map((a) => a.kind).sort(),
    ["group_stop", "role_missing"],
    "critical alerts: the group stopped and no db node while images flow",
  );
  t.ok(lagAt.alerts.some((a) => a.kind === "node_lost" && a.message.includes("fleet-db")), "a warning: node lost");

  // The same in a terminal: npm run fleet -- status, reading Kafka with the nodes' variables.
  const cli = spawn(process.execPath, [...await nodeArgs("node/cli/fleet.ts"), "status"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let text = "";
  cli.stdout!.on("data", (c: Buffer) => (text += c.toString()));
  const code = await new Promise((r) => cli.once("exit", r));
  t.equal(code, 0, "npm run fleet -- status exits 0");
  t.match(
    text,
    new RegExp(`fleet on ${env["TOPIC_NODES"]!.replace(/\./g, "\\.")} at .*: 3 nodes \\(1 live, 2 lost or left\\)`),
  );
  t.match(text, /\nfleet-db\s+lost \d+s ago\s+db\s/, "the db node lost");
  t.match(text, /\nfleet-sim\s+live\s+simulator\s.*captured \d/, "the camera live, with its rates");
  t.match(text, new RegExp(`\\n${env["DB_GROUP_ID"]}\\s+STOP\\s+-\\s+\\d+\\s+no live member`), "its group in STOP");
  t.match(text, /critical +group .* STOP: no live member/);

  // And the logs: npm run logs, filtered by node and level, from the log topic.
  const logsCli = spawn(process.execPath, [
    ...await nodeArgs("node/cli/logs.ts"),
    "--node",
    "fleet-sim",
    "--level",
    "info",
  ], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let logText = "";
  logsCli.stdout!.on("data", (c: Buffer) => (logText += c.toString()));
  t.equal(await new Promise((r) => logsCli.once("exit", r)), 0, "npm run logs exits 0");
  t.match(logText, /\S+Z {2}INFO {3}fleet-sim \[simulator\] {2}- {2}node started {2}/, "the camera's start, one line");
  t.notMatch(logText, /fleet-db/, "no other node's lines");

  db = await startNodeProcess(t, dbEnv);
  v = await until(
    "the db node back, its group OK and the lag drained",
    async () => {
      const v = await fleet();
      const g = dbGroup(v);
      return node(v, "fleet-db")?.state === "live" && g.status === "OK" && (g.lag ?? 99) < 20 ? v : null;
    },
    60_000,
    200,
  );
  t.same(dbGroup(v).members, ["fleet-db"]);
  t.notOk(v.alerts.some((a) => a.severity === "critical"), "no critical alert left");
  db.proc.kill("SIGTERM");
  t.equal(await db.exited, 0);
  sim.proc.kill("SIGTERM");
  t.equal(await sim.exited, 0);
});
