// A system stopped while an actor's `init` is under way (a consumer waiting for its group's coordinator, say): when
// that init ends, what it made is released at once (the behaviour's `stop`), the actor never runs, and its spawn
// rejects. Found while making a node stop during its start: the cell was marked stopped, and the init that ended later
// set it running again, so a Kafka consumer kept its group membership in a stopped system.
import t from "tap";
import { type Behaviour, silentLogger, spawn, startSystem, supervise, TroupeError } from "../../system/mod.ts";
import { kitFor } from "../helpers/kit.ts";

t.test("an init that ends after its system stopped: released at once, never run, its spawn rejected", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  let finishInit!: () => void;
  const initHeld = new Promise<void>((r) => (finishInit = r));
  const events: string[] = [];
  const behaviour: Behaviour<string, { resource: string }> = {
    async init() {
      events.push("init began");
      await initHeld;
      events.push("init ended");
      return { resource: "a group membership" };
    },
    receive(state, msg) {
      events.push(`handled ${msg}`);
      return state;
    },
    stop(state) {
      events.push(`stopped, releasing ${state.resource}`);
    },
  };
  const spawned = spawn(sys.root, behaviour, { name: "slow-start", capacity: 4 }).then(
    () => null,
    (err: unknown) => err,
  );
  await sys.shutdown({ deadlineMs: 1_000 });
  t.same(events, ["init began"], "the stop did not wait for the init");
  finishInit();
  const err = await spawned;
  t.ok(err instanceof TroupeError, "the spawn is rejected");
  t.equal((err as TroupeError).code, "TROUPE_ERR_STOPPED_WHILE_STARTING");
  t.match((err as Error).message, /\/troupe\/slow-start: .*stopped while it started/);
  t.same(events, ["init began", "init ended", "stopped, releasing a group membership"], "released once, never run");
});

t.test("a restart's init that ends after its system stopped: released too, the actor not running again", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", backoff: { minMs: 0, maxMs: 0, jitter: 0 }, intensity: 10 });
  let inits = 0;
  let finishInit!: () => void;
  const events: string[] = [];
  const ref = await spawn(
    sup,
    {
      async init() {
        const n = ++inits;
        // The first start is at once; the restart waits to be let go.
        if (n > 1) await new Promise<void>((r) => (finishInit = r));
        events.push(`incarnation ${n} started`);
        return { n };
      },
      receive(state, msg: string) {
        if (msg === "crash") throw new Error("crashed on purpose");
        events.push(`incarnation ${state.n} handled ${msg}`);
        return state;
      },
      stop(state) {
        events.push(`incarnation ${state.n} stopped`);
      },
    } satisfies Behaviour<string, { n: number }>,
    { name: "restarting", capacity: 4 },
  );
  ref.trySend("crash");
  await kit.settle();
  t.equal(inits, 2, "the restart's init is under way");
  // The supervisor's restart waits on that init: the shutdown gives it up at the deadline.
  await sys.shutdown({ deadlineMs: 50 });
  finishInit();
  await kit.settle();
  t.same(events, ["incarnation 1 started", "incarnation 1 stopped", "incarnation 2 started", "incarnation 2 stopped"]);
  t.notOk(ref.trySend("after"), "the stopped actor takes nothing");
  await kit.settle();
  t.notOk(events.includes("incarnation 2 handled after"), "and handles nothing");
});
