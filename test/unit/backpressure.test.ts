// Bounded mailboxes on the test kit's virtual clock: a slow receiver's pace is virtual time, so how far it held
// its sender back is exact; memory is measured for real.
import t from "tap";
import { kitFor, pause } from "../helpers/kit.ts";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { spawn, stateless } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import { createTestKit } from "../../system/testkit.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const heap = () => {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
};

t.test("a sender far faster than its receiver is slowed to the receiver's pace", async (t) => {
  const { kit, sys } = kitFor(t);
  const capacity = 16;
  const receiveMs = 4;
  const payloadBytes = 64 * 1024;
  const count = 400; // 400 x 64 KiB = 25 MiB if nothing pushed back
  const slow = await spawn(
    sys.root,
    stateless<Uint8Array>(() => pause(kit, receiveMs)),
    { name: "slow", capacity },
  );

  const before = heap();
  let maxDepth = 0;
  let maxHeapDelta = 0;
  for (let i = 0; i < count; i++) {
    // The sender alone takes no virtual time at all: only waiting for room moves it.
    await kit.result(slow.send(new Uint8Array(payloadBytes).fill(i & 0xff)), receiveMs * 2);
    const depth = findInSnapshot(sys.snapshot(), "/troupe/slow")!.mailbox!.depth;
    maxDepth = Math.max(maxDepth, depth);
    if (i % 50 === 49) maxHeapDelta = Math.max(maxHeapDelta, heap() - before);
  }
  const processed = findInSnapshot(sys.snapshot(), "/troupe/slow")!.processed;

  t.ok(maxDepth <= capacity, `depth never exceeded capacity (max ${maxDepth} <= ${capacity})`);
  t.equal(maxDepth, capacity, "the mailbox did fill up: the sender really was faster");
  // Every accepted message beyond the first `capacity` had to wait for one to be processed.
  t.ok(
    processed >= count - capacity - 1,
    `receiver had processed ${processed} of ${count} when the last send returned`,
  );
  t.equal(
    kit.now,
    (count - capacity - 1) * receiveMs,
    `the last send returned after ${kit.now} ms of virtual time: one receive of ${receiveMs} ms per message ` +
      "beyond the mailbox and the one in hand",
  );
  const unbounded = count * payloadBytes;
  t.ok(
    maxHeapDelta < unbounded / 3,
    `heap grew at most ${(maxHeapDelta / 2 ** 20).toFixed(1)} MiB (unbounded would hold ${
      (unbounded / 2 ** 20).toFixed(0)
    } MiB)`,
  );
});

t.test("reject policy throws MailboxFull to a sender that outpaces the receiver", async (t) => {
  const { kit, sys } = kitFor(t);
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const stuck = await spawn(sys.root, stateless<number>(() => gate), {
    name: "stuck",
    capacity: 2,
    overflow: "reject",
  });
  await stuck.send(1); // being handled
  await kit.settle();
  await stuck.send(2);
  await stuck.send(3);
  await t.rejects(stuck.send(4), { code: "TROUPE_ERR_MAILBOX_FULL", name: "MailboxFull", unsent: 4 });
  t.equal(stuck.trySend(5), false);
  release();
  const snap = findInSnapshot(sys.snapshot(), "/troupe/stuck")!;
  t.equal(snap.mailbox!.rejected, 1);
});

t.test("dropOldest needs a lossy actor and counts its drops", async (t) => {
  const { kit, sys } = kitFor(t);
  const seen: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const lossy = await spawn(
    sys.root,
    stateless<number>(async (n) => {
      await gate;
      seen.push(n);
    }),
    { name: "lossy", capacity: 3, overflow: "dropOldest", lossy: true },
  );
  for (let i = 0; i < 10; i++) {
    lossy.trySend(i);
    if (i === 0) await kit.settle(); // 0 is being handled
  }
  release();
  await kit.settle();
  const snap = findInSnapshot(sys.snapshot(), "/troupe/lossy")!;
  t.equal(snap.processed, 4);
  t.same(seen, [0, 7, 8, 9], "the newest messages survive");
  t.equal(snap.mailbox!.dropped, 6);
});

t.test("graceful shutdown drains mailboxes and stops children in reverse start order", async (t) => {
  const kit = createTestKit({ name: "troupe" });
  const sys = kit.system;
  const order: string[] = [];
  const handled: Record<string, number> = { first: 0, second: 0 };
  const refs = [];
  for (const name of ["first", "second"]) {
    refs.push(
      await spawn(sys.root, {
        init: () => null,
        receive: async (s: null) => {
          await pause(kit, 2);
          handled[name]!++;
          return s;
        },
        stop: () => {
          order.push(name);
        },
      }, { name, capacity: 100 }),
    );
  }
  let accepted = 0;
  for (const ref of refs) for (let i = 0; i < 20; i++) accepted += ref.trySend(i) ? 1 : 0;
  t.equal(accepted, 40);
  // Each actor drains its 20 messages of 2 ms side by side with the other: 40 ms of virtual time.
  await kit.result(sys.shutdown({ deadlineMs: 5000 }), 1_000);
  t.equal(kit.now, 40, "both drained on virtual time");
  t.same(order, ["second", "first"], "reverse start order");
  t.same(handled, { first: 20, second: 20 }, "every queued message was handled before stop");
  t.equal(sys.status, "stopped");
  await t.rejects(refs[0]!.send(1), { code: "TROUPE_ERR_MAILBOX_CLOSED" });
});
