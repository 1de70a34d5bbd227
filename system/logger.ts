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
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

const stderrSink: LogSink = (line) => {
  // console.error writes synchronously to a pipe or file on Node and on Deno.
  console.error(line);
};

/** Creates a JSON-lines logger. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const min = RANK[options.level ?? "info"];
  const base = options.fields ?? {};
  const sink = options.sink ?? stderrSink;
  const write = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    const line: LogFields = { ts: new Date().toISOString(), level, msg, ...base };
    if (fields) {
      for (const [k, v] of Object.entries(fields)) line[k] = v instanceof Error ? serializeError(v) : v;
    }
    sink(JSON.stringify(line));
  };
  return {
    debug: (m, f) => write("debug", m, f),
    info: (m, f) => write("info", m, f),
    warn: (m, f) => write("warn", m, f),
    error: (m, f) => write("error", m, f),
    child: (fields) => createLogger({ ...options, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (for embedding and tests). */
export const silentLogger: Logger = createLogger({ sink: () => {} });

function serializeError(err: Error): LogFields {
  const out: LogFields = { name: err.name, message: err.message };
  const code = (err as { code?: unknown }).code;
  if (code !== undefined) out["code"] = code;
  return out;
}
