/**
 * Embedding troupe in another service: start a tree, spawn your own actor beside
 * troupe's, and mount the ops routes under /ops in your own Hono app.
 * Run: node --import tsx examples/embed.ts  (or deno run -A examples/embed.ts)
 */
import { Hono } from "hono";
import { createOpsApp } from "../ops/mod.ts";
import { type ActorRef, ask, type ActorSystem, silentLogger, spawn, startSystem, supervise } from "../system/mod.ts";

/** The embedding service's own actor: a running total. */
export type TotalMsg = { type: "total.add"; n: number } | { type: "total.get"; replyTo: ActorRef<number> };

/** Builds the service: its own routes plus troupe's ops routes under /ops. */
export async function createService(): Promise<{ app: Hono; system: ActorSystem }> {
  const system = startSystem({ logger: silentLogger, name: "svc" });
  const sup = await supervise(system.root, { name: "billing", strategy: "one_for_one" });
  const total = await spawn<TotalMsg, number>(sup, {
    init: () => 0,
    receive: (sum, msg) => {
      if (msg.type === "total.add") return sum + msg.n;
      msg.replyTo.trySend(sum);
      return sum;
    },
  }, { name: "total", capacity: 64 });
  const app = new Hono();
  app.post("/add/:n", async (c) => {
    await total.send({ type: "total.add", n: Number(c.req.param("n")) });
    return c.json({ total: await ask<TotalMsg, number>(total, (replyTo) => ({ type: "total.get", replyTo }), { timeoutMs: 1000 }) });
  });
  app.route("/ops", createOpsApp(system, { nodeId: "embedded" }));
  return { app, system };
}
