/**
 * The fleet's merged log tail: records of the log topic decoded, kept newest last up
 * to a bound, and filtered by node, role, level (at or above), actor (a part of its
 * path), trace id and time. Pure: the watcher feeds it, `GET /fleet/logs`, the fleet
 * page and `npm run logs` read it. A record that is not a log line is counted, never
 * thrown.
 */
import { decodeLogRecord, type LogFilter, type LogRecord } from "../../protocols/log_record.ts";

export type { LogFilter };

const RANK = { debug: 10, info: 20, warn: 30, error: 40 } as const;

/** Whether `r` passes `f`. */
export function matchesLog(r: LogRecord, f: LogFilter): boolean {
  if (f.node !== undefined && r.node !== f.node) return false;
  if (f.role !== undefined && !r.roles.includes(f.role) && !r.roles.includes("all")) return false;
  if (f.level !== undefined && RANK[r.line.level] < RANK[f.level]) return false;
  if (f.actor !== undefined && !(r.line.actor ?? "").includes(f.actor)) return false;
  if (f.trace !== undefined && r.line.traceId !== f.trace) return false;
  if (f.sinceMs !== undefined && Date.parse(r.line.ts) < f.sinceMs) return false;
  return true;
}

/**
 * A time given as ISO 8601 or as a span back from `nowMs` (`90s`, `10m`, `2h`, `1d`), in ms since the epoch; null
 * when it is neither.
 */
export function parseSince(text: string, nowMs: number): number | null {
  const span = /^(\d+(?:\.\d+)?)(s|m|h|d)$/.exec(text.trim());
  if (span) return nowMs - Number(span[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[span[2] as "s"];
  const at = Date.parse(text);
  return Number.isNaN(at) || !/^\d{4}-\d{2}-\d{2}/.test(text) ? null : at;
}

/** The last `keep` log records. */
export class LogTail {
  readonly #keep: number;
  readonly #lines: LogRecord[] = [];
  refused = 0;

  constructor(keep = 1_000) {
    this.#keep = keep;
  }

  /** Takes one record value; says whether it was a log record. */
  apply(value: Uint8Array | null): boolean {
    const decoded = decodeLogRecord(value);
    if (!decoded.ok) {
      this.refused++;
      return false;
    }
    this.add(decoded.value);
    return true;
  }

  /** Takes one decoded record. */
  add(record: LogRecord): void {
    this.#lines.push(record);
    if (this.#lines.length > this.#keep) this.#lines.splice(0, this.#lines.length - this.#keep);
  }

  /** The last `limit` records that pass `filter`, oldest first, in the order they were written to the topic. */
  lines(filter: LogFilter = {}, limit = 200): LogRecord[] {
    const out: LogRecord[] = [];
    for (let i = this.#lines.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.#lines[i]!;
      if (matchesLog(r, filter)) out.push(r);
    }
    return out.reverse();
  }
}
