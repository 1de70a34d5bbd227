/**
 * When actors get their turns. A turn handles up to `throughput` messages of one
 * mailbox. Turns run as microtasks, so a message reaches an idle actor without a
 * trip through the event loop; once the process has handled `YIELD_EVERY`
 * messages without the event loop getting a turn, further turns go through nact's
 * dispatch (a macrotask), so timers and I/O are never starved by actors that keep
 * each other busy. Private to system/.
 */
import { type NactRef, signalNact } from "./_nact.ts";

/** Messages handled across all actors before the event loop gets a turn. */
const YIELD_EVERY = 20_000;

let handled = 0;
let resetArmed = false;
/** Messages handled since the process started (the test kit's sign that the actors went quiet). */
let handledEver = 0;

/** Messages handled by every actor of the process so far. */
export function handledSoFar(): number {
  return handledEver;
}

function reset(): void {
  handled = 0;
  resetArmed = false;
}

/** Counts messages handled in a turn (turns call it when they end). */
export function noteHandled(n: number): void {
  handled += n;
  handledEver += n;
  if (!resetArmed && n > 0) {
    resetArmed = true;
    setImmediate(reset);
  }
}

// A settled promise's `then` queues a plain V8 microtask; Node's queueMicrotask wraps
// each callback for async hooks and costs about three times as much.
const SETTLED: Promise<void> = Promise.resolve();

/** Runs `turn` soon: as a microtask, or through nact when the event loop is due a turn. */
export function scheduleTurn(turn: () => void, nactRef: NactRef): void {
  if (handled < YIELD_EVERY) void SETTLED.then(turn);
  else signalNact(nactRef);
}
