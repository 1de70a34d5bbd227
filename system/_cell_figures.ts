/**
 * What an actor's cell keeps for observation, made on first use: the handling time
 * of its sampled messages, its restart history, and its message trace. Private to
 * system/ (the cell holds one, or none while nothing was recorded).
 */
import { Histogram, type HistogramData } from "./histogram.ts";
import { type FailureRecord, pushHistory } from "./snapshot.ts";
import { MessageTrace, type TraceOptions, type TraceReport } from "./trace.ts";

/** An actor's figures beyond its counters. */
export class CellFigures {
  #processing: Histogram | null = null;
  #history: FailureRecord[] | null = null;
  /** The trace recording now, if any. */
  #tracing: MessageTrace | null = null;
  /** The last trace started, kept for reading once it ended. */
  #trace: MessageTrace | null = null;

  constructor(readonly path: string) {}

  /** Whether a trace records messages now (it may have ended by time since the last message). */
  get tracing(): boolean {
    return this.#tracing !== null && this.#tracing.active;
  }

  /** Records one timed message; returns whether the actor is still traced. */
  observed(msg: unknown, at: number, ms: number, failure: unknown): boolean {
    (this.#processing ??= new Histogram()).recordMs(ms);
    if (this.#tracing !== null && !this.#tracing.record(msg, at, ms, failure)) this.#tracing = null;
    return this.#tracing !== null;
  }

  noteFailure(record: FailureRecord): void {
    this.#history = pushHistory(this.#history, record);
  }

  startTrace(options: TraceOptions): TraceReport {
    this.#tracing?.stop();
    this.#trace = this.#tracing = new MessageTrace(this.path, options);
    return this.#trace.report();
  }

  stopTrace(): TraceReport | null {
    this.#tracing?.stop();
    this.#tracing = null;
    return this.#trace?.report() ?? null;
  }

  traceReport(): TraceReport | null {
    return this.#trace?.report() ?? null;
  }

  processing(): HistogramData | null {
    return this.#processing?.data() ?? null;
  }

  history(): FailureRecord[] {
    return this.#history ? [...this.#history] : [];
  }
}
