/**
 * Acknowledgements between a source and a sink that know nothing of each other
 * (Alpakka Kafka's committable, as a token): a source hands an {@link Ack} with each
 * item; the sink answers with an {@link AckReply} naming, for each token, whether the
 * item is done (written, applied), refused for its own sake (with a reason, for the
 * dead-letter topic) or to be tried again later. The token is opaque: what it stands
 * for (a Kafka topic, partition and offset; a line of a file) is the source's
 * business, and a sink only hands it back.
 */
import { type ActorRef, type Logger, MailboxClosed } from "../system/mod.ts";
import type { DeadLetterReason } from "./deadletter.ts";

/** An opaque acknowledgement token: made by a source, handed back by a sink. */
export interface Ack {
  /**
   * A brand, not a value (tokens are made by casting): it keeps anything else from
   * passing as a token. Only the source that made a token can read it.
   */
  readonly "troupe.ack": true;
}

/** An item the sink refused for its own sake (a row the database will never take): the source dead-letters it. */
export interface AckRefusal {
  /** The item's token. */
  ack: Ack;
  /** Why, in the dead-letter topic's words. */
  reason: DeadLetterReason;
  /** What was wrong, for people. */
  detail: string;
  /** More dead-letter headers (e.g. `troupe-sqlstate`). */
  headers?: Record<string, string>;
}

/**
 * A sink's answer about items its source handed it: `done` are handled; `refused` are
 * refused for their own sake (handled once dead-lettered); `retry` could not be
 * handled now and are handed again later. A token may be answered in several replies,
 * each item once.
 */
export interface AckReply {
  /** The message type. */
  type: "ack";
  /** Items handled. */
  done: readonly Ack[];
  /** Items refused for their own sake, with why. */
  refused?: readonly AckRefusal[];
  /** Items to hand again later (the sink could not take them now). */
  retry?: readonly Ack[];
}

/** A reply saying `done` are handled. */
export function acked(done: readonly Ack[]): AckReply {
  return { type: "ack", done };
}

/**
 * Sends a sink's `reply` to its source, waiting for room in the source's mailbox. A
 * source that is stopping (its mailbox closed) replays what it did not hear of, so that
 * is no failure: it is logged at debug level.
 */
export async function answerSource(to: ActorRef<AckReply>, reply: AckReply, log: Logger): Promise<void> {
  await to.send(reply).catch((err: unknown) => {
    if (!(err instanceof MailboxClosed)) throw err;
    log.debug("answer not delivered: the source is stopping", { done: reply.done.length });
  });
}
