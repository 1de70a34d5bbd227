/**
 * Rows PostgreSQL refuses for their own sake, told apart from a database that
 * cannot take anything right now, and found within a batch without losing the
 * rows around them.
 *
 * A write error is the row's fault when its SQLSTATE class says so: 22 (data
 * exception: a value out of range, bad text for its type), 23 (integrity
 * constraint: a CHECK an operator added, NOT NULL), 54 (program limit: a value too
 * big), P0 (raised by PL/pgSQL, e.g. a trigger refusing the row), 2F, 38, 39 (an
 * error inside a function or trigger). Retrying such a row cannot cure it. Any
 * other error (no SQLSTATE: the connection; 08 connection, 40 deadlock or
 * serialization, 53 resources, 57 operator intervention or a statement timeout,
 * 42 a schema or privilege problem an operator must fix, XX internal) is the
 * database's state: the batch is retried with backoff and never dead-lettered.
 */
import { errorMessage } from "../../system/mod.ts";
import type { Sql, Tx } from "./postgres.ts";

const ROW_FAULT_CLASSES: ReadonlySet<string> = new Set(["22", "23", "54", "P0", "2F", "38", "39"]);

/** The SQLSTATE of a server error, or null (a client or connection error). */
export function sqlstateOf(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  const isServer = (err as { name?: unknown } | null)?.name === "PostgresError";
  return isServer && typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : null;
}

/** Whether `err` is a row's own fault (see the file's comment). */
export function isRowFault(err: unknown): boolean {
  const state = sqlstateOf(err);
  return state !== null && ROW_FAULT_CLASSES.has(state.slice(0, 2));
}

/** A row the database refused, and why. */
export interface Refusal<T> {
  item: T;
  sqlstate: string;
  message: string;
}

/**
 * Writes `items`, which failed together with a row's fault, in one transaction,
 * finding the ones PostgreSQL refuses by splitting: each half is written under a
 * savepoint, so a refused row undoes only its own part, which is halved again
 * until the row stands alone. Parts are written in order, so a later item for the
 * same key still wins. Rejects on an error that is not a row's fault (nothing is
 * written then). Resolves with what `write` returned for each part written, and
 * the refused items. One refused row among n costs about 2·log2(n) statements.
 */
export async function writeIsolating<T, R>(
  sql: Sql,
  items: T[],
  write: (tx: Tx, part: T[]) => Promise<R>,
): Promise<{ written: R[]; refused: Refusal<T>[] }> {
  return await sql.begin(async (tx) => {
    const written: R[] = [];
    const refused: Refusal<T>[] = [];
    const attempt = async (part: T[]): Promise<void> => {
      if (part.length === 0) return;
      try {
        written.push(await tx.savepoint((sp) => write(sp, part)) as R);
        return;
      } catch (err) {
        if (!isRowFault(err)) throw err;
        if (part.length === 1) {
          refused.push({ item: part[0] as T, sqlstate: sqlstateOf(err) as string, message: errorMessage(err) });
          return;
        }
      }
      const half = Math.ceil(part.length / 2);
      await attempt(part.slice(0, half));
      await attempt(part.slice(half));
    };
    const half = Math.ceil(items.length / 2);
    if (items.length === 1) await attempt(items);
    else {
      await attempt(items.slice(0, half));
      await attempt(items.slice(half));
    }
    return { written, refused };
  }) as { written: R[]; refused: Refusal<T>[] };
}
