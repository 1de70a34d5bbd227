/**
 * Structured logging: one JSON object per line, `{ ts, level, msg, ...fields }`,
 * written to standard error so that standard output stays free for command output.
 */

/** Severity of a log line. */
export type LogLevel = "debug" | "info" | "warn" | "error";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Extra fields of a log line. */
export type LogFields = Record<string, unknown>;

/** Where finished log lines go. */
export type LogSink = (line: string) => void;

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** Lines below this level are skipped. @default "info" */
  level?: LogLevel;
  /** Fields added to every line (e.g. `node`, `actor`). @default {} */
  fields?: LogFields;
  /** Receives each finished line. @default write to standard error */
  sink?: LogSink;
}

/** A structured logger. */
export interface Logger {
  /** A line at level debug. */
  debug(msg: string, fields?: LogFields): void;
  /** A line at level info. */
  info(msg: string, fields?: LogFields): void;
  /** A line at level warn. */
  warn(msg: string, fields?: LogFields): void;
  /** A line at level error. */
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const stderrSink: LogSink = (line) => {
  // console.error writes synchronously to a pipe or file on Node and on Deno.
  console.error(line);
};

/**
 * A JSON-lines logger. A class rather than an object of closures: every actor has
 * a child logger, and methods on a prototype cost nothing per child.
 */
class JsonLogger implements Logger {
  readonly #min: number;
  readonly #base: LogFields;
  readonly #sink: LogSink;
  readonly #options: LoggerOptions;

  constructor(options: LoggerOptions) {
    this.#options = options;
    this.#min = RANK[options.level ?? "info"];
    this.#base = options.fields ?? {};
    this.#sink = options.sink ?? stderrSink;
  }

  debug(msg: string, fields?: LogFields): void {
    this.#write("debug", msg, fields);
  }

  info(msg: string, fields?: LogFields): void {
    this.#write("info", msg, fields);
  }

  warn(msg: string, fields?: LogFields): void {
    this.#write("warn", msg, fields);
  }

  error(msg: string, fields?: LogFields): void {
    this.#write("error", msg, fields);
  }

  child(fields: LogFields): Logger {
    return new JsonLogger({ ...this.#options, fields: { ...this.#base, ...fields } });
  }

  #write(level: LogLevel, msg: string, fields?: LogFields): void {
    if (RANK[level] < this.#min) return;
    const line: LogFields = { ts: new Date().toISOString(), level, msg, ...this.#base };
    if (fields) {
      for (const [k, v] of Object.entries(fields)) line[k] = v instanceof Error ? serializeError(v) : v;
    }
    this.#sink(JSON.stringify(line));
  }
}

/** Creates a JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return new JsonLogger(options);
}

/** A logger that drops everything (for embedding and tests). */
export const silentLogger: Logger = createLogger({ sink: () => {} });

function serializeError(err: Error): LogFields {
  const out: LogFields = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out["code"] = code;
  return out;
}
