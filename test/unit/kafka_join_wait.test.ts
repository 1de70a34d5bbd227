// A platformatic member's join is tried again while the broker says the group cannot be joined yet. Found in CI: a
// node started on a new broker (its offsets topic created by the first group's request) failed to start with
// "joinGroup failed 6 times." because the package tries a request six times 250 ms apart, and the coordinator was
// still loading after that on a busy machine. The errors are built in the package's shapes (`errors` gathered, a
// protocol error's `apiId`): only actors/kafka/ imports the clients. On the virtual clock.
import t from "tap";
import { joinPatiently, joinRefusal } from "../../actors/kafka/platformatic/join_wait.ts";
import { createLogger } from "../../system/mod.ts";
import { ManualClock } from "../../system/testkit.ts";

const protocolError = (apiId: string) =>
  Object.assign(new Error("Received response with error"), { code: "PLT_KFK_PROTOCOL", apiId });
const failedTimes = (operation: string, apiId: string) =>
  Object.assign(new AggregateError([protocolError(apiId)], `${operation} failed 6 times.`), {
    code: "PLT_KFK_MULTIPLE",
  });

/** Runs `joinPatiently` on a virtual clock; `outcomes` are what the join gives each time it is called, in turn. */
async function run(outcomes: (Error | "joined")[], member: Parameters<typeof joinPatiently>[2]) {
  const clock = new ManualClock();
  const lines: { level: string; msg: string; [field: string]: unknown }[] = [];
  const log = createLogger({ sink: (line) => lines.push(JSON.parse(line)) });
  const calledAt: number[] = [];
  let settled: { value?: string; error?: Error } | null = null;
  joinPatiently(
    () => {
      calledAt.push(clock.now());
      const o = outcomes[calledAt.length - 1] ?? new Error("called too often");
      return o === "joined" ? Promise.resolve("member") : Promise.reject(o);
    },
    log,
    member,
    clock,
  ).then((value) => (settled = { value }), (error: Error) => (settled = { error }));
  for (let turns = 0; settled === null && turns < 1_000; turns++) {
    await new Promise((r) => setImmediate(r));
    const next = clock.nextDueAt();
    if (next !== undefined) clock.advance(next - clock.now());
  }
  return { settled: settled as { value?: string; error?: Error } | null, calledAt, lines, clock };
}

t.test("which refusals are waited out", async (t) => {
  t.equal(joinRefusal(failedTimes("joinGroup", "COORDINATOR_LOAD_IN_PROGRESS")), "coordinator");
  t.equal(joinRefusal(failedTimes("findGroupCoordinator", "COORDINATOR_NOT_AVAILABLE")), "coordinator");
  t.equal(joinRefusal(protocolError("NOT_COORDINATOR")), "coordinator");
  const explained = new Error("group g: another live member has this member's group.instance.id", {
    cause: failedTimes("consumerGroupHeartbeat", "UNRELEASED_INSTANCE_ID"),
  });
  t.equal(joinRefusal(explained), "unreleased", "found through the cause");
  t.equal(joinRefusal(failedTimes("joinGroup", "GROUP_AUTHORIZATION_FAILED")), null);
  t.equal(joinRefusal(new Error("Connection to 127.0.0.1:9092 failed.")), null);
  t.equal(joinRefusal(undefined), null);
});

t.test("a coordinator still loading: joined again with back-off until it answers; one warning, one line when joined", async (t) => {
  const loading = failedTimes("joinGroup", "COORDINATOR_LOAD_IN_PROGRESS");
  const r = await run([loading, loading, loading, loading, "joined"], { groupId: "g" });
  t.same(r.settled, { value: "member" });
  t.same(r.calledAt, [0, 250, 750, 1750, 3750], "250 ms, then doubling");
  t.same(r.lines.map((l) => [l.level, l.msg.split(" (")[0]]), [
    ["warn", "the group's coordinator is not ready"],
    ["info", "joined the group after waiting"],
  ]);
  t.match(r.lines[0], { group: "g", error: /COORDINATOR_LOAD_IN_PROGRESS/, waitMs: 60_000 });
  t.match(r.lines[1], { group: "g", waitedMs: 3750 });
});

t.test("a coordinator that never answers: fails at joinWaitMs, naming the group and the broker's answer", async (t) => {
  const loading = failedTimes("joinGroup", "COORDINATOR_NOT_AVAILABLE");
  const r = await run(Array(20).fill(loading), { groupId: "g", joinWaitMs: 5_000 });
  t.same(r.calledAt, [0, 250, 750, 1750, 3750, 5000], "the back-off is capped by what is left of the wait");
  t.equal(
    r.settled?.error?.message,
    "group g: its coordinator refused the join for 5.0 s (joinWaitMs): joinGroup failed 6 times. " +
      "(COORDINATOR_NOT_AVAILABLE)",
  );
  t.equal(r.settled?.error?.cause, loading, "the package's error is its cause");
});

t.test("the back-off stops growing at 2 s", async (t) => {
  const loading = failedTimes("joinGroup", "COORDINATOR_LOAD_IN_PROGRESS");
  const r = await run([...Array(7).fill(loading), "joined"], { groupId: "g" });
  t.same(r.calledAt, [0, 250, 750, 1750, 3750, 5750, 7750, 9750]);
});

t.test("an instance id still held: joined again every second, then its own error as it is", async (t) => {
  const held = new Error("group g: another live member has this member's group.instance.id 'i'", {
    cause: failedTimes("consumerGroupHeartbeat", "UNRELEASED_INSTANCE_ID"),
  });
  const r = await run(Array(10).fill(held), { groupId: "g", groupInstanceId: "i", releaseWaitMs: 3_000 });
  t.same(r.calledAt, [0, 1000, 2000, 3000]);
  t.equal(r.settled?.error, held);
  t.equal(r.lines.length, 1, "one warning");
  t.match(r.lines[0], { groupInstanceId: "i", waitMs: 3_000 });
});

t.test("any other error fails the join at once, without a line", async (t) => {
  const denied = failedTimes("joinGroup", "GROUP_AUTHORIZATION_FAILED");
  const r = await run([denied, "joined"], { groupId: "g" });
  t.same(r.calledAt, [0]);
  t.equal(r.settled?.error, denied);
  t.same(r.lines, []);
});
