/**
 * troupe's actor runtime: typed refs, bounded mailboxes, supervisors with restart
 * budgets, introspection, readiness and graceful shutdown. Wraps nact; knows
 * nothing of Kafka, PostgreSQL, models or roles.
 * @module
 */
export type {
  ActorContext,
  ActorProps,
  ActorRef,
  Behaviour,
  ChildSpec,
  OverflowPolicy,
  RestartType,
  SendOptions,
} from "./actor.ts";
export { childSpec, stateless } from "./actor.ts";
export { ask, type AskOptions, type ReplyAddress, replyAddress, tryAsk } from "./ask.ts";
export { troupeCacheDir, writeFileWhole } from "./files.ts";
export { backoffDelay, type BackoffOptions, RestartBudget, type RestartBudgetOptions } from "./backoff.ts";
export {
  AskTimeout,
  ControlRefused,
  errorCode,
  errorMessage,
  Escalated,
  InvalidSpec,
  isRetriable,
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
export { Mailbox, type MailboxOptions, type MailboxStats } from "./mailbox.ts";
export { type DependencyState, Readiness } from "./readiness.ts";
export {
  type ActorSnapshot,
  type ActorStatus,
  type FailureAction,
  type FailureRecord,
  findInSnapshot,
  HISTORY_KEEP,
  type LastError,
  type SupervisionState,
  walkSnapshot,
} from "./snapshot.ts";
export { Histogram, HISTOGRAM_BOUNDS, type HistogramData, histogramDelta, histogramQuantile } from "./histogram.ts";
export { summarise, type TraceEntry, type TraceOptions, type TraceReport } from "./trace.ts";
export type { Strategy, SupervisorProps } from "./supervisor.ts";
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
export { type Clock, ManualClock, realClock } from "./clock.ts";
export type { Timers } from "./timers.ts";
export { LingerBatch, type LingerBatchOptions } from "./linger_batch.ts";
export {
  environment,
  exit,
  type HttpServer,
  keepTimerAlive,
  moduleBeside,
  onShutdownSignal,
  runtime,
  serveHttp,
  startWorkerThread,
} from "./platform.ts";
