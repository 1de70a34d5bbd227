/**
 * The one place that touches nact. nact gives troupe its actor hierarchy (paths,
 * parent/child) and strictly sequential, asynchronous delivery per actor; troupe
 * keeps the messages in its own bounded mailboxes and sends nact one delivery
 * signal per accepted message, so nact's unbounded queue only ever holds signals.
 * Crashes reach troupe's supervisors through nact's `onCrash` hook, which nact
 * awaits before it delivers the next signal: a crashed actor stays suspended until
 * its supervisor has decided.
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

/**
 * Spawns a nact actor that runs `deliver` once for each signal, one at a time.
 * When `deliver` throws, nact suspends the actor and awaits `onCrash`.
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
  return spawn(parent, async () => {
    await deliver();
    return undefined;
  }, name, {
    onCrash: async (_msg, err, ctx) => {
      const decision = await onCrash(err);
      return decision === "resume" ? ctx["resume"] as symbol : ctx["stop"] as symbol;
    },
  });
}

/** Sends one delivery signal. A stopped actor ignores it. */
export function signalNact(ref: NactRef): void {
  (nact.dispatch as unknown as (ref: unknown, msg: unknown) => void)(ref, 1);
}

/** Stops a nact actor (and nact's record of its children) or a whole nact system. */
export function stopNact(ref: NactRef): void {
  (nact.stop as unknown as (ref: unknown) => void)(ref);
}
