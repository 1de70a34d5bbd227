// A service that depends on the packed troupe, as a plain JavaScript project would (no TypeScript tooling):
// a supervised counter behind a route of its own, stopped in order on SIGTERM/SIGINT. tools/package_check.ts
// installs the tarball into a scratch project, runs this file on each runtime, asks the route, sends SIGTERM and
// expects exit 0. It also checks that capabilities whose optional packages are not installed say which one.
import { ask, MissingPackage, spawn, startSystem, supervise } from "troupe/system";
import { onShutdownSignal, serveHttp } from "troupe/platform";

const system = startSystem({ name: "consumer" });
const sup = await supervise(system.root, { name: "counters", strategy: "one_for_one", intensity: 3, periodMs: 10_000 });
const counter = await spawn(sup, {
  init: () => ({ n: 0 }),
  receive: (s, msg) => {
    if (msg.type === "add") s.n += msg.by;
    else msg.replyTo.trySend(s.n);
    return s;
  },
}, { name: "counter", capacity: 100 });

// What an embedder without the optional packages sees (the scratch project installs none of them).
const missing = {};
for (
  const [subpath, use] of [
    ["troupe/db", () => import("troupe/db")],
    [
      "troupe/kafka",
      async () => (await import("troupe/kafka")).createKafkaClient({ brokers: ["127.0.0.1:9"] }).producer(),
    ],
    ["troupe/inference", () => import("troupe/inference")],
  ]
) {
  try {
    await use();
    missing[subpath] = "no error";
  } catch (err) {
    missing[subpath] = err instanceof MissingPackage ? `${err.packageName}: ${err.message}` : `other: ${err}`;
  }
}

const server = await serveHttp(async (req) => {
  const by = Number(new URL(req.url).searchParams.get("add") ?? "0");
  if (by > 0) await counter.send({ type: "add", by });
  const n = await ask(counter, (replyTo) => ({ type: "get", replyTo }), { timeoutMs: 1_000 });
  return Response.json({ n });
}, { host: "127.0.0.1", port: 0 });

onShutdownSignal(async (signal) => {
  await server.close();
  await system.shutdown({ deadlineMs: 5_000 });
  console.log(JSON.stringify({ stopped: signal }));
  process.exit(0);
});
console.log(JSON.stringify({ ready: `http://127.0.0.1:${server.port}/`, missing }));
