import t from "tap";
import { Mailbox } from "../../system/mailbox.ts";
import { MailboxClosed, MailboxFull } from "../../system/errors.ts";

t.test("wait policy: send resolves only once there is room, in FIFO order", async (t) => {
  const box = new Mailbox<number>("/t/a", { capacity: 2 });
  await box.send(1);
  await box.send(2);
  let third = false;
  const p = box.send(3).then(() => (third = true));
  await Promise.resolve();
  t.equal(third, false, "third send waits while full");
  t.equal(box.depth, 2);
  t.equal(box.shift(), 1);
  await p;
  t.equal(third, true);
  t.equal(box.depth, 2, "depth never exceeds capacity");
  t.same([box.shift(), box.shift(), box.shift()], [2, 3, undefined]);
});

t.test("wait policy: an aborted send is withdrawn with the signal's reason", async (t) => {
  const box = new Mailbox<string>("/t/b", { capacity: 1 });
  await box.send("a");
  const ac = new AbortController();
  const p = box.send("b", { signal: ac.signal });
  ac.abort(new Error("gave up"));
  await t.rejects(p, { message: "gave up" });
  box.shift();
  t.equal(box.depth, 0, "the withdrawn message never entered");
});

t.test("reject policy throws MailboxFull carrying the message", async (t) => {
  const box = new Mailbox<string>("/t/c", { capacity: 1, overflow: "reject" });
  await box.send("a");
  await t.rejects(box.send("b"), { code: "TROUPE_ERR_MAILBOX_FULL", unsent: "b", capacity: 1 });
  t.equal(box.trySend("c"), false);
  t.equal(box.stats().rejected, 1);
  t.ok(new MailboxFull("/x", 1, 0).retriable);
});

t.test("dropOldest keeps the newest and counts drops", async (t) => {
  const box = new Mailbox<number>("/t/d", { capacity: 3, overflow: "dropOldest" });
  for (let i = 1; i <= 5; i++) t.equal(box.trySend(i), true);
  t.equal(box.depth, 3);
  t.equal(box.stats().dropped, 2);
  t.same([box.shift(), box.shift(), box.shift()], [3, 4, 5]);
});

t.test("close rejects blocked senders with their message and refuses new ones", async (t) => {
  const box = new Mailbox<string>("/t/e", { capacity: 1 });
  await box.send("kept");
  const blocked = box.send("blocked");
  box.close();
  const err = await blocked.catch((e) => e);
  t.ok(err instanceof MailboxClosed);
  t.equal(err.unsent, "blocked");
  await t.rejects(box.send("late"), { code: "TROUPE_ERR_MAILBOX_CLOSED", unsent: "late" });
  t.equal(box.shift(), "kept", "queued messages stay for draining");
});

t.test("onAccept fires once per accepted message, and capacity is validated", async (t) => {
  let n = 0;
  const box = new Mailbox<number>("/t/f", { capacity: 2 }, () => n++);
  box.trySend(1);
  box.trySend(2);
  box.trySend(3);
  t.equal(n, 2);
  t.throws(() => new Mailbox("/t/g", { capacity: 0 }), /capacity of \/t\/g must be a whole number >= 1: got 0/);
});
