import t from "tap";
import { childSpec, silentLogger, startChild, startSystem } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import { pngEncoderSpec } from "../../actors/simulator/mod.ts";
import { stateless } from "../../system/mod.ts";

t.test("a child spec carries the actor's defaults; the caller's overrides win", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const seen: number[] = [];
  const spec = childSpec<number>(stateless((n: number) => void seen.push(n)), {
    name: "echo",
    capacity: 4,
    overflow: "reject",
  }, { capacity: 2 });
  const ref = await startChild(sys.root, spec);
  t.equal(ref.path, "/troupe/echo");
  t.same(
    [ref.trySend(1), ref.trySend(2), ref.trySend(3)],
    [true, true, false],
    "capacity 2 from the override, overflow from the defaults",
  );
  const mailbox = findInSnapshot(sys.snapshot(), "/troupe/echo")?.mailbox;
  t.equal(mailbox?.capacity, 2);
  t.equal(mailbox?.overflow, "reject");
});

t.test("a capability's spec names and sizes its actor as its supervisors expect", async (t) => {
  const producer = { path: "/p", send: async () => {}, trySend: () => true };
  const spec = pngEncoderSpec({ topic: "x", producer });
  t.same(spec.props, { name: "encoder", capacity: 64 });
});
