import t from "tap";
import { createOpsApp, serveOps } from "../../ops/server.ts";
import { silentLogger, spawn, startSystem, supervise } from "../../system/mod.ts";
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
