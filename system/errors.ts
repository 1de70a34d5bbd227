/**
 * Coded errors of the actor runtime. Each carries a stable `code`, a `retriable`
 * flag (supervisors restart on retriable failures and escalate the others at once)
 * and an optional `cause`.
 */

/** Options accepted by every troupe error. */
export interface TroupeErrorOptions {
  /** The underlying error, if any. */
  cause?: unknown;
  /** Whether retrying (restarting the actor) can help. @default false */
  retriable?: boolean;
}

/** Base class of every coded troupe error. */
export class TroupeError extends Error {
  /** Stable machine-readable code, e.g. `TROUPE_ERR_MAILBOX_FULL`. */
  readonly code: string;
  /** Whether retrying (restarting the actor) can help. */
  readonly retriable: boolean;

  /**
   * The error, naming what it is about.
   * @param code a stable `TROUPE_ERR_*` code
   * @param message what went wrong, naming what was wrong
   */
  constructor(code: string, message: string, options: TroupeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retriable = options.retriable ?? false;
  }
}

/** A `reject` mailbox was full; the message was not accepted. */
export class MailboxFull<M = unknown> extends TroupeError {
  /**
   * The error, naming what it is about.
   * @param path the actor whose mailbox was full
   * @param capacity its capacity
   * @param unsent the message, handed back
   */
  constructor(readonly path: string, readonly capacity: number, readonly unsent: M) {
    super("TROUPE_ERR_MAILBOX_FULL", `mailbox of ${path} is full (capacity ${capacity})`, { retriable: true });
  }
}

/** The mailbox was closed (actor stopping or stopped); the message is handed back. */
export class MailboxClosed<M = unknown> extends TroupeError {
  /**
   * The error, naming what it is about.
   * @param path the actor whose mailbox is closed
   * @param unsent the message, handed back
   */
  constructor(readonly path: string, readonly unsent: M) {
    super("TROUPE_ERR_MAILBOX_CLOSED", `mailbox of ${path} is closed: the actor is stopping or stopped`);
  }
}

/** An `ask` got no reply in time. */
export class AskTimeout extends TroupeError {
  /**
   * The error, naming what it is about.
   * @param path the actor asked
   * @param timeoutMs the deadline that passed
   */
  constructor(readonly path: string, readonly timeoutMs: number) {
    super("TROUPE_ERR_ASK_TIMEOUT", `no reply from ${path} within ${timeoutMs} ms`, { retriable: true });
  }
}

/** A supervisor spent its restart budget and passed the failure up. */
export class Escalated extends TroupeError {
  /**
   * The error, naming what it is about.
   * @param path the supervisor that gave up
   * @param restarts its budget's intensity
   * @param periodMs its budget's window
   * @param cause the failure it passed up
   */
  constructor(readonly path: string, readonly restarts: number, readonly periodMs: number, cause: unknown) {
    super(
      "TROUPE_ERR_ESCALATED",
      `${path} gave up after ${restarts} restarts within ${periodMs} ms: ${errorMessage(cause)}`,
      { cause, retriable: true },
    );
  }
}

/** A child name was used twice under one supervisor, or a spec was invalid. */
export class InvalidSpec extends TroupeError {
  /** The error, with what was wrong with the spec. */
  constructor(message: string) {
    super("TROUPE_ERR_INVALID_SPEC", message);
  }
}

/** The message of any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return typeof err === "string" ? err : JSON.stringify(err);
}

/** The code of any thrown value, when it has one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** Whether a failure is worth a restart: troupe errors say so; unknown errors are presumed transient. */
export function isRetriable(err: unknown): boolean {
  if (err instanceof TroupeError) return err.retriable;
  return !(err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError ||
    err instanceof ReferenceError);
}

/** No actor or supervisor has that path. */
export class NoSuchActor extends TroupeError {
  /** The error, naming the path nothing answers to. */
  constructor(readonly path: string) {
    super("TROUPE_ERR_NO_SUCH_ACTOR", `no actor or supervisor at ${path}`);
  }
}

/**
 * The actor's system (or its supervisor) stopped while the actor's `init` was under way: when the init ended, what
 * it made was released at once (the behaviour's `stop`) and the actor never ran. Its spawn rejects with this (code
 * `TROUPE_ERR_STOPPED_WHILE_STARTING`; not exported: troupe/system keeps its values few, and the code says it).
 */
export class StoppedWhileStarting extends TroupeError {
  /** The error, naming the actor. */
  constructor(readonly path: string) {
    super(
      "TROUPE_ERR_STOPPED_WHILE_STARTING",
      `${path}: its supervisor stopped while it started; what its init made was released`,
      { retriable: false },
    );
  }
}

/** An operator action was refused: it would break an invariant, or the node is not in a state that allows it. */
export class ControlRefused extends TroupeError {
  /**
   * The error, naming what it is about.
   * @param path the actor or supervisor
   * @param action the action refused
   * @param why the invariant it would break
   */
  constructor(readonly path: string, readonly action: string, why: string) {
    super("TROUPE_ERR_CONTROL_REFUSED", `cannot ${action} ${path}: ${why}`);
  }
}
