// Type-checked by tools/package_check.ts inside the scratch project (tsc, module nodenext, strict): the package's
// `types` conditions resolve, and a behaviour's message and reply types flow through spawn and ask.
import { type ActorRef, ask, type Behaviour, spawn, startSystem } from "troupe/system";
import type { InferOptions } from "troupe/inference";

type Msg = { type: "add"; by: number } | { type: "get"; replyTo: ActorRef<number> };
const counter: Behaviour<Msg, { n: number }> = {
  init: () => ({ n: 0 }),
  receive: (s, msg) => {
    if (msg.type === "add") s.n += msg.by;
    else msg.replyTo.trySend(s.n);
    return s;
  },
};
const system = startSystem({ name: "typed" });
const ref = await spawn(system.root, counter, { name: "counter", capacity: 10 });
const n: number = await ask<Msg, number>(ref, (replyTo) => ({ type: "get", replyTo }), { timeoutMs: 100 });
// @ts-expect-error: a message outside the actor's union is refused
ref.trySend({ type: "reset" });
const options: InferOptions = { timeoutMs: n };
console.log(options);
await system.shutdown();
