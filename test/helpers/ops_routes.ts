/**
 * Route tests of the ops controls and tracing, written once with node:assert and
 * run by tap on Node (test/integration/ops_control.test.ts) and by `deno test`
 * (test/deno/ops_control_test.ts).
 */
import assert from "node:assert/strict";
import { createOpsApp } from "../../ops/mod.ts";
import { silentLogger, spawn, startSystem, supervise } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import { counter } from "./actors.ts";
import { until } from "./wait.ts";

const TOKEN = "route-test-token-0123456789";

/** One scenario: a name and its body. */
export interface RouteScenario {
  name: string;
  run(): Promise<void>;
}

async function setup(control: boolean) {
  const sys = startSystem({ logger: silentLogger });
  const sup = await supervise(sys.root, { name: "s" });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 8 });
  const app = createOpsApp(sys, { token: TOKEN, control });
  const call = async (method: string, url: string, token: string | null = TOKEN) => {
    const res = await app.request(url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: res.status, body: await res.json() };
  };
  return { sys, a, app, call };
}

/** The scenarios. */
export const routeScenarios: RouteScenario[] = [
  {
    name: "controls are off unless enabled, and need a token when enabled",
    async run() {
      const { sys, call } = await setup(false);
      try {
        for (
          const [m, url] of [["POST", "/control/restart?path=/troupe/s/a"], ["POST", "/trace/start?path=/troupe/s/a"], [
            "GET",
            "/trace?path=/troupe/s/a",
          ]] as const
        ) {
          const r = await call(m, url);
          assert.equal(r.status, 403, url);
          assert.match(r.body.error, /operator controls are off: start the node with OPS_CONTROL=on/);
        }
        assert.throws(() => createOpsApp(sys, { control: true }), /ops controls need a bearer token/);
      } finally {
        await sys.shutdown({ deadlineMs: 1000 });
      }
    },
  },
  {
    name: "each control acts on the tree and answers with the node",
    async run() {
      const { sys, a, call } = await setup(true);
      try {
        assert.equal(
          (await call("POST", "/control/restart?path=/troupe/s/a", null)).status,
          401,
          "always behind the token",
        );
        let r = await call("POST", "/control/suspend?path=/troupe/s");
        assert.equal(r.status, 200);
        assert.equal(r.body.node.status, "suspended");
        assert.equal(findInSnapshot(sys.snapshot(), "/troupe/s/a")?.status, "suspended");
        r = await call("POST", "/control/resume?path=/troupe/s");
        assert.equal(r.body.node.status, "running");
        r = await call("POST", "/control/restart?path=/troupe/s/a");
        assert.equal(r.status, 200);
        assert.equal(r.body.node.restarts, 1);
        assert.equal(r.body.node.history.at(-1).action, "operator");
        r = await call("POST", "/control/stop?path=/troupe/s/a");
        assert.equal(r.body.node.status, "stopped");
        assert.equal(a.trySend({ type: "counter.inc" }), false, "a stopped actor takes no message");
      } finally {
        await sys.shutdown({ deadlineMs: 1000 });
      }
    },
  },
  {
    name: "refusals: 400 bad input, 404 no such actor, 409 an invariant",
    async run() {
      const { sys, call } = await setup(true);
      try {
        const cases: [string, string, number, RegExp][] = [
          [
            "POST",
            "/control/explode?path=/troupe/s/a",
            400,
            /must be one of restart, stop, suspend, resume: got 'explode'/,
          ],
          ["POST", "/control/restart", 400, /path must be an actor path/],
          ["POST", "/control/restart?path=troupe", 400, /path must be an actor path/],
          ["POST", "/control/restart?path=/troupe/nobody", 404, /no actor or supervisor at \/troupe\/nobody/],
          ["POST", "/control/stop?path=/troupe", 409, /root supervisor; stopping it stops the node/],
          ["POST", "/control/restart?path=/troupe", 409, /root supervisor, which nothing supervises/],
          ["POST", "/trace/start?path=/troupe/s", 409, /is a supervisor/],
          ["POST", "/trace/start?path=/troupe/s/a&limit=0", 400, /limit must be a whole number from 1 to 100000/],
          ["GET", "/trace?path=/troupe/s/a", 404, /has not been traced/],
          ["GET", "/actors/top?by=colour", 400, /by must be one of depth, busy, failures, rate/],
          ["GET", "/actors?window=999", 400, /window must be a whole number from 1 to 60/],
        ];
        for (const [m, url, status, error] of cases) {
          const r = await call(m, url);
          assert.equal(r.status, status, `${m} ${url}: ${JSON.stringify(r.body)}`);
          assert.match(r.body.error, error, url);
        }
        await call("POST", "/control/stop?path=/troupe/s/a");
        const r = await call("POST", "/control/restart?path=/troupe/s/a");
        assert.equal(r.status, 409);
        assert.equal(r.body.error, "cannot restart /troupe/s/a: it is stopped");
        assert.equal(r.body.code, "TROUPE_ERR_CONTROL_REFUSED");
      } finally {
        await sys.shutdown({ deadlineMs: 1000 });
      }
    },
  },
  {
    name: "tracing: start, read, stop",
    async run() {
      const { sys, a, call } = await setup(true);
      try {
        let r = await call("POST", "/trace/start?path=/troupe/s/a&limit=2&forMs=60000");
        assert.equal(r.status, 200);
        assert.equal(r.body.active, true);
        assert.equal(r.body.limit, 2);
        await a.send({ type: "counter.inc" });
        await a.send({ type: "counter.inc" });
        await a.send({ type: "counter.inc" });
        await until("three handled", () => findInSnapshot(sys.snapshot(), "/troupe/s/a")!.processed === 3);
        r = await call("GET", "/trace?path=/troupe/s/a");
        assert.equal(r.body.seen, 2, "ended by itself at its limit");
        assert.equal(r.body.active, false);
        assert.deepEqual(r.body.entries.map((e: { type: string }) => e.type), ["counter.inc", "counter.inc"]);
        await call("POST", "/trace/start?path=/troupe/s/a");
        r = await call("POST", "/trace/stop?path=/troupe/s/a");
        assert.equal(r.status, 200);
        assert.equal(r.body.active, false);
      } finally {
        await sys.shutdown({ deadlineMs: 1000 });
      }
    },
  },
];
