/** Small behaviours used by the runtime's tests. */
import { type ActorRef, ask, type Behaviour } from "../../system/mod.ts";

export type CounterMsg =
  | { type: "counter.inc" }
  | { type: "counter.crash"; error?: Error }
  | { type: "counter.get"; replyTo: ActorRef<number> };

/** A counter's current count, asked for. */
export function countOf(ref: ActorRef<CounterMsg>, timeoutMs = 5000): Promise<number> {
  return ask<CounterMsg, number>(ref, (replyTo) => ({ type: "counter.get", replyTo }), { timeoutMs });
}

/** A counter whose every incarnation is recorded in `events` with its time (`now`: a test kit's virtual one). */
export function counter(
  name: string,
  events: { name: string; at: number }[],
  now: () => number = Date.now,
): Behaviour<CounterMsg, { n: number }> {
  return {
    init: () => {
      events.push({ name, at: now() });
      return { n: 0 };
    },
    receive: (state, msg) => {
      switch (msg.type) {
        case "counter.inc":
          return { n: state.n + 1 };
        case "counter.crash":
          throw msg.error ?? new Error(`${name} crashed on purpose`);
        case "counter.get":
          msg.replyTo.trySend(state.n);
          return state;
      }
    },
  };
}
