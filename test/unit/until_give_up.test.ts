// The tests' `until` helper fails at once when its check throws GiveUp (a member crashed: no point waiting out the
// timeout), and treats any other error as "not yet".
import t from "tap";
import { GiveUp, until } from "../helpers/wait.ts";

t.test("GiveUp ends the wait at its first throw, naming what was awaited", async (t) => {
  let calls = 0;
  const waited = until("the record", () => {
    calls++;
    throw new GiveUp("crashed: platformatic");
  }, 60_000);
  await t.rejects(waited, { message: "gave up waiting for the record: crashed: platformatic" });
  t.equal(calls, 1, "checked once");
});

t.test("another error means not yet", async (t) => {
  let calls = 0;
  const v = await until(
    "the third call",
    () => {
      if (++calls < 3) throw new Error("not yet");
      return calls;
    },
    60_000,
    0,
  );
  t.equal(v, 3);
});
