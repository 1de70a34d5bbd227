/**
 * How often the runtime times a message. Timing every message would cost most of
 * the runtime's speed (two clock reads per message cut one sender's rate by 73% in
 * the runtime bench; one clock read costs about as much as handling a message), so
 * the process times about one turn in 64 (a turn handles up to `throughput`
 * messages of one actor), and a mailbox the wait of about one message in 128.
 * Strides vary so an actor whose messages come in a fixed pattern is not always
 * sampled at the same step.
 * Private to system/.
 */

let seed = 0x9e3779b9;

function next(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return seed >>> 0;
}

/** Turns between two timed turns: a whole number from 32 to 95 (xorshift, deterministic). */
export function sampleStride(): number {
  return 32 + (next() & 63);
}

/** Messages between two timed mailbox waits: 64 to 191. */
export function waitStride(): number {
  return 64 + (next() & 127);
}
