// Runs under `deno test`: the runtime and the ops app on Deno.
import assert from "node:assert/strict";
import { ask, silentLogger, spawn, startSystem, supervise } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import { createOpsApp } from "../../ops/server.ts";
import { counter, type CounterMsg } from "../helpers/actors.ts";

Deno.test("supervised restart, ask and /actors on Deno", async () => {
  const sys = startSystem({ logger: silentLogger });
  const sup = await supervise(sys.root, { name: "s", backoff: { minMs: 1, jitter: 0 } });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 4 });
  await a.send({ type: "counter.inc" });
  await a.send({ type: "counter.crash" });
  await a.send({ type: "counter.inc" });
  const n = await ask<CounterMsg, number>(a, (replyTo) => ({ type: "counter.get", replyTo }), { timeoutMs: 2000 });
  assert.equal(n, 1);
  assert.equal(findInSnapshot(sys.snapshot(), "/troupe/s/a")?.restarts, 1);
  const res = await createOpsApp(sys).request("/actors");
  assert.equal(res.status, 200);
  assert.equal((await res.json()).tree.children[0].children[0].restarts, 1);
  await sys.shutdown({ deadlineMs: 1000 });
});
