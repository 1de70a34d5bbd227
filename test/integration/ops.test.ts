import t from "tap";
import { Hono } from "hono";
import { createOpsApp, Observer, serveOps } from "../../ops/mod.ts";
import { silentLogger, spawn, startSystem, supervise } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import type { ActorsResponse } from "../../protocols/ops_responses.ts";
import { counter } from "../helpers/actors.ts";
import { until } from "../helpers/wait.ts";

t.test("/actors shows restarts and the last error after a crash; /readyz flips", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const app = createOpsApp(sys, { nodeId: "n1" });
  const sup = await supervise(sys.root, { name: "s", backoff: { minMs: 1, jitter: 0 } });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 4 });
  sys.readiness.declare("db");
  t.equal((await app.request("/readyz")).status, 503, "not ready while a dependency is down");
  sys.readiness.set("db", true);
  t.equal((await app.request("/readyz")).status, 200);
  await a.send({ type: "counter.crash", error: Object.assign(new Error("disk on fire"), { code: "E_FIRE" }) });
  const node = await until("restart visible in /actors", async () => {
    const body = await (await app.request("/actors")).json();
    const n = body.tree.children[0].children[0];
    return n.restarts === 1 && n.status === "running" ? n : undefined;
  });
  t.equal(node.path, "/troupe/s/a");
  t.equal(node.lastError.message, "disk on fire");
  t.equal(node.lastError.code, "E_FIRE");
  t.equal(node.mailbox.capacity, 4);
  const metrics = await (await app.request("/metrics")).text();
  t.match(metrics, 'troupe_actor_restarts_total{node="n1",actor="/troupe/s/a"} 1');
  t.match(metrics, 'troupe_node_ready{node="n1"} 1');
  sys.readiness.set("db", false, "connection refused");
  const r = await app.request("/readyz");
  t.equal(r.status, 503);
  t.equal((await r.json()).dependencies.db.detail, "connection refused");
});

t.test("a non-loopback bind enforces the bearer token", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const token = "s3cret-token-0123456789";
  const server = await serveOps(createOpsApp(sys, { token }), { host: "0.0.0.0", port: 0 });
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${server.port}`;
  t.equal((await fetch(`${base}/actors`)).status, 401, "no token");
  t.equal(
    (await fetch(`${base}/actors`, { headers: { authorization: "Bearer wrong-token-0123456789" } })).status,
    401,
    "wrong token",
  );
  const ok = await fetch(`${base}/actors`, { headers: { authorization: `Bearer ${token}` } });
  t.equal(ok.status, 200);
  t.equal((await ok.json()).tree.path, "/troupe");
  t.equal((await fetch(`${base}/healthz`)).status, 200, "liveness needs no token");
});

t.test("/actors gives rates over the window; /actors/top ranks actors by mailbox depth", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const observer = new Observer(sys);
  const app = createOpsApp(sys, { observer });
  const a = await spawn(sys.root, counter("a", []), { name: "a", capacity: 400 });
  const b = await spawn(sys.root, counter("b", []), { name: "b", capacity: 8 });
  observer.sample();
  for (let i = 0; i < 300; i++) a.trySend({ type: "counter.inc" });
  await until("a handled 300", () => findInSnapshot(sys.snapshot(), "/troupe/a")!.processed === 300);
  await sys.control("/troupe/b", "suspend");
  for (let i = 0; i < 5; i++) b.trySend({ type: "counter.inc" });
  observer.sample();
  const body = (await (await app.request("/actors?window=60")).json()) as ActorsResponse;
  t.equal(body.windowSec, 60);
  const a0 = body.tree.children.find((c) => c.path === "/troupe/a")!;
  const fa = a0.figures as { windowSec: number; outPerSec: number; inPerSec: number; depthHistory: number[] };
  t.ok(fa.windowSec > 0);
  t.ok(Math.abs(fa.outPerSec * fa.windowSec - 300) < 1, `out/s ${fa.outPerSec} over ${fa.windowSec} s is 300 messages`);
  t.ok(Math.abs(fa.inPerSec * fa.windowSec - 300) < 1, "in/s likewise");
  t.equal(fa.depthHistory.length, 3, "two samples and the reading");
  t.equal(a0.mailbox!.highWater, 300);
  const top = await (await app.request("/actors/top?by=depth&n=1")).json();
  t.same(top.top.map((r: { path: string; value: number }) => [r.path, r.value]), [["/troupe/b", 5]]);
  const rate = await (await app.request("/actors/top?by=rate&n=2&window=60")).json();
  t.equal(rate.top[0].path, "/troupe/a");
});

t.test("/metrics: prom-client exposition with per-actor histograms in buckets", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const app = createOpsApp(sys, { nodeId: "n1" });
  const a = await spawn(sys.root, counter("a", []), { name: "a", capacity: 8 });
  sys.startTrace("/troupe/a");
  for (let i = 0; i < 5; i++) await a.send({ type: "counter.inc" });
  await until("handled", () => findInSnapshot(sys.snapshot(), "/troupe/a")!.processed === 5);
  const text = await (await app.request("/metrics")).text();
  const l = 'node="n1",actor="/troupe/a"';
  t.match(text, "# TYPE troupe_actor_processing_seconds histogram");
  t.match(text, `troupe_actor_processing_seconds_bucket{${l},le="+Inf"} 5`);
  t.match(text, `troupe_actor_processing_seconds_count{${l}} 5`);
  t.match(text, `troupe_mailbox_accepted_total{${l}} 5`);
  t.match(text, `troupe_mailbox_high_water{${l}} 1`);
  t.match(text, 'troupe_supervisor_budget_left{node="n1",actor="/troupe"} 5');
  const buckets = [
    ...text.matchAll(new RegExp(`troupe_actor_processing_seconds_bucket\\{${l},le="([^"]+)"\\} (\\d+)`, "g")),
  ];
  t.equal(buckets.length, 13, "12 bounds and +Inf");
  const counts = buckets.map((m) => Number(m[2]));
  t.same(counts, [...counts].sort((x, y) => x - y), "cumulative");
});

t.test("the page works at any mount point, and its shell holds no figures", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const host = new Hono();
  host.route("/ops", createOpsApp(sys, { nodeId: "embedded", token: "mount-test-token-0123456789" }));
  for (const path of ["/ops", "/ops/"]) {
    const r = await host.request(path);
    t.equal(r.status, 200, path);
    const html = await r.text();
    t.match(html, 'troupe node <span id="node">embedded</span>');
    t.notMatch(html, "/troupe", "no tree in the shell: it is served without the token");
  }
  t.equal((await host.request("/ops/actors")).status, 401);
  const ok = await host.request("/ops/actors", { headers: { authorization: "Bearer mount-test-token-0123456789" } });
  t.equal((await ok.json()).tree.path, "/troupe");
});
