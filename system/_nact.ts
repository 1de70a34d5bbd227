/**
 * The one place that touches nact. nact gives troupe its actor hierarchy (paths,
 * parent/child) and its crash path: a failure reaches troupe's supervisors through
 * nact's `onCrash` hook, which nact awaits before it delivers anything else, so a
 * crashed actor stays suspended until its supervisor has decided. troupe keeps the
 * messages in its own bounded mailboxes; a nact delivery is a signal to run one
 * turn of the actor (used when the event loop is due a turn: system/_scheduler.ts),
 * or a failure of a turn that ran outside nact, which the nact actor rethrows.
 */
import nact from "nact";

/** An opaque reference to a nact actor or system. */
export type NactRef = { readonly __nact: unique symbol };

/** What to do with a crashed nact actor once troupe's supervisor has decided. */
export type CrashDecision = "resume" | "stop";

/** Starts an empty nact system to hang a troupe tree from. */
export function startNactSystem(name: string): NactRef {
  return (nact.start as unknown as (...plugins: unknown[]) => NactRef)({ name });
}

const FAILED = Symbol("troupe.failed");

/**
 * Spawns a nact actor that runs `deliver` once for each signal, one at a time.
 * When `deliver` throws, or a failure is reported with {@link failNact}, nact
 * suspends the actor and awaits `onCrash`.
 */
export function spawnNact(
  parent: NactRef,
  name: string,
  deliver: () => Promise<void>,
  onCrash: (err: unknown) => Promise<CrashDecision>,
): NactRef {
  // nact's public types are narrower than what its runtime accepts; the binding stays here.
  const spawn = nact.spawn as unknown as (
    parent: unknown,
    f: (state: unknown, msg: unknown) => Promise<unknown>,
    name: string,
    props: { onCrash: (msg: unknown, err: unknown, ctx: Record<string, symbol>) => Promise<symbol> },
  ) => NactRef;
  return spawn(
    parent,
    async (_state, msg) => {
      if (typeof msg === "object" && msg !== null && FAILED in msg) throw (msg as { [FAILED]: unknown })[FAILED];
      await deliver();
      return undefined;
    },
    name,
    { onCrash: crashHook(onCrash) },
  );
}

/**
 * nact's `onCrash` for troupe's decision. Made by a function rather than written in
 * the props object: tsx names every function written as a property, and a named
 * closure costs about 250 bytes more per actor.
 */
function crashHook(
  onCrash: (err: unknown) => Promise<CrashDecision>,
): (msg: unknown, err: unknown, ctx: Record<string, symbol>) => Promise<symbol> {
  return async (_msg, err, ctx) => {
    const decision = await onCrash(err);
    return decision === "resume" ? ctx["resume"] as symbol : ctx["stop"] as symbol;
  };
}

/** Sends one delivery signal. A stopped actor ignores it. */
export function signalNact(ref: NactRef): void {
  (nact.dispatch as unknown as (ref: unknown, msg: unknown) => void)(ref, 1);
}

/** Reports a failure that happened outside a nact delivery: nact runs its crash path for it. */
export function failNact(ref: NactRef, err: unknown): void {
  (nact.dispatch as unknown as (ref: unknown, msg: unknown) => void)(ref, { [FAILED]: err });
}

/** Stops a nact actor (and nact's record of its children) or a whole nact system. */
export function stopNact(ref: NactRef): void {
  (nact.stop as unknown as (ref: unknown) => void)(ref);
}
