/**
 * `troupe/system`: the actor runtime. Typed refs, bounded mailboxes, behaviours with
 * handover, supervisors with restart budgets, timers on the system's clock, ask with
 * deadlines, controls, readiness and an orderly shutdown. Wraps nact; knows nothing
 * of Kafka, PostgreSQL, models or roles.
 *
 * Every export here is stable (changed only in a major version) unless its
 * documentation says `@experimental`. Platform helpers (HTTP serving, signals,
 * worker threads, the cache folder) are in `troupe/platform`; histograms, snapshot
 * walkers and trace summaries in `troupe/observe`; the virtual clock, probes and the
 * behaviour harness in `troupe/testkit`.
 * @module
 */
export type {
  ActorContext,
  ActorProps,
  ActorRef,
  Behaviour,
  ChildSpec,
  IncarnationEnded,
  OverflowPolicy,
  RestartType,
  SendOptions,
} from "./actor.ts";
export { childSpec, stateless } from "./actor.ts";
export { ask, type AskOptions, type ReplyAddress, replyAddress, tryAsk } from "./ask.ts";
export {
  AskTimeout,
  ControlRefused,
  errorMessage,
  Escalated,
  InvalidSpec,
  MailboxClosed,
  MailboxFull,
  NoSuchActor,
  TroupeError,
  type TroupeErrorOptions,
} from "./errors.ts";
export {
  createLogger,
  type LogFields,
  type Logger,
  type LoggerOptions,
  type LogLevel,
  type LogSink,
  silentLogger,
} from "./logger.ts";
export { MissingPackage } from "./optional_package.ts";
export type { MailboxStats } from "./mailbox.ts";
export { type DependencyState, Readiness } from "./readiness.ts";
export {
  type ActorSnapshot,
  type ActorStatus,
  type FailureAction,
  type FailureRecord,
  type LastError,
  type SupervisionState,
} from "./snapshot.ts";
export type { HistogramData } from "./histogram.ts";
export type { TraceOptions, TraceReport } from "./trace.ts";
export type { Strategy, SupervisorProps } from "./supervisor.ts";
export type { BackoffOptions } from "./backoff.ts";
export {
  ActorSystem,
  type ActorSystemOptions,
  CONTROL_ACTIONS,
  type ControlAction,
  spawn,
  startChild,
  startSystem,
  supervise,
  type Supervisor,
  type SystemStatus,
} from "./system.ts";
export { type Clock, realClock } from "./clock.ts";
export type { Timers } from "./timers.ts";
export { LingerBatch, type LingerBatchOptions } from "./linger_batch.ts";
