import t from "tap";
import { OffsetLedger } from "../../actors/kafka/offsets.ts";

t.test("a commit never passes an offset in flight", async (t) => {
  const l = new OffsetLedger();
  for (const o of ["10", "11", "12", "13"]) l.add("a", 0, o);
  t.same(l.due(), [], "the first offset fetched is already the committed position");
  l.done("a", 0, "12"); // a dead-lettered record ahead of rows still in flight
  t.same(l.due(), []);
  l.done("a", 0, "10");
  t.same(l.due(), [{ topic: "a", partition: 0, offset: "11" }]);
  l.committed(l.due());
  t.same(l.due(), []);
  l.done("a", 0, "11");
  t.same(l.due(), [{ topic: "a", partition: 0, offset: "13" }]);
  l.done("a", 0, "13");
  t.same(l.due(), [{ topic: "a", partition: 0, offset: "14" }]);
  t.equal(l.inFlight, 0);
});

t.test("late answers for offsets never handed out are ignored", async (t) => {
  const l = new OffsetLedger();
  l.done("a", 1, "500");
  t.same(l.due(), []);
  l.add("a", 1, "7");
  l.add("a", 1, "8");
  l.done("a", 1, "900");
  l.done("a", 1, "7");
  t.same(l.due(), [{ topic: "a", partition: 1, offset: "8" }]);
});

t.test("a replay below the committed point does not move it back", async (t) => {
  const l = new OffsetLedger();
  l.add("a", 0, "5");
  l.done("a", 0, "5");
  t.same(l.due(), [{ topic: "a", partition: 0, offset: "6" }]);
  l.committed(l.due());
  l.add("a", 0, "3");
  l.done("a", 0, "3");
  t.same(l.due(), []);
});
