/**
 * troupe's PostgreSQL access through postgres.js: connections pinned to the
 * configured schema, and the migrations of `sql/` applied under an advisory lock.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type postgresTypes from "postgres";
import { sha256Hex } from "../../protocols/image_envelope.ts";
import { type Logger, TroupeError } from "../../system/mod.ts";
import { importOptional } from "../../system/optional_package.ts";

/** postgres.js: an optional peer dependency of troupe, named in the error when it is missing. */
const postgres = (await importOptional("postgres", "^4.2.0", "troupe/db (PostgreSQL)", () => import("postgres")))
  .default;

/** A postgres.js client. */
export type Sql = postgresTypes.Sql;

/** A postgres.js transaction (or savepoint) handle. */
export type Tx = postgresTypes.TransactionSql;

/** Options of {@link connectPostgres}. */
export interface PostgresOptions {
  /** Schema of troupe's tables (the connection's search_path). @default "public" */
  schema?: string;
  /** Pool size. @default 4 */
  max?: number;
  /** Seconds to wait for a connection. @default 5 */
  connectTimeoutS?: number;
  /** Server-side `statement_timeout` of each connection (0: none). @default 0 */
  statementTimeoutMs?: number;
}

/** A migration file changed after it was applied, or is malformed. */
export class MigrationError extends TroupeError {
  /** An error with `message`, and the cause when there is one. */
  constructor(message: string, cause?: unknown) {
    super("TROUPE_ERR_MIGRATION", message, { cause });
  }
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens a pool; nothing connects until the first query. */
export function connectPostgres(url: string, options: PostgresOptions = {}): Sql {
  const schema = options.schema ?? "public";
  if (!SCHEMA.test(schema)) throw new RangeError(`schema must be a lower-case SQL identifier: got '${schema}'`);
  return postgres(url, {
    max: options.max ?? 4,
    connect_timeout: options.connectTimeoutS ?? 5,
    idle_timeout: 60,
    onnotice: () => {},
    connection: {
      search_path: schema,
      application_name: "troupe",
      ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    },
  });
}

/** One file of `sql/`. */
export interface Migration {
  /** The version: the number the file's name starts with. */
  version: number;
  /** The file's name. */
  name: string;
  /** The file's SQL. */
  sql: string;
  /** Lower-case hex sha256 of the SQL, recorded when applied (a changed file is refused). */
  sha256: string;
}

const MIGRATIONS_DIR: string = fileURLToPath(new URL("../../sql/", import.meta.url));

/** The migrations of `dir` in version order. */
export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const out: Migration[] = [];
  for (const name of files) {
    const m = /^(\d{3,})_[a-z0-9_]+\.sql$/.exec(name);
    if (!m) throw new MigrationError(`migration file name must be NNN_name.sql: got '${name}' in ${dir}`);
    const text = await readFile(`${dir}/${name}`, "utf8");
    out.push({ version: Number(m[1]), name, sql: text, sha256: sha256Hex(new TextEncoder().encode(text)) });
  }
  for (let i = 1; i < out.length; i++) {
    if (out[i]?.version === out[i - 1]?.version) {
      throw new MigrationError(
        `two migrations have version ${out[i]?.version}: ${out[i - 1]?.name} and ${out[i]?.name}`,
      );
    }
  }
  return out;
}

/**
 * Applies the pending migrations in one transaction under a transaction-level
 * advisory lock keyed by the schema, so concurrent nodes apply each once.
 * Resolves with the names applied now.
 */
export async function migrate(
  sql: Sql,
  options: { schema?: string; log?: Logger; dir?: string } = {},
): Promise<string[]> {
  const schema = options.schema ?? "public";
  if (!SCHEMA.test(schema)) throw new RangeError(`schema must be a lower-case SQL identifier: got '${schema}'`);
  const migrations = await readMigrations(options.dir);
  const applied = await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtext(${`troupe.migrations.${schema}`}))`;
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await tx.unsafe(`SET LOCAL search_path TO "${schema}"`);
    await tx`CREATE TABLE IF NOT EXISTS troupe_migrations (
      version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`;
    const done = new Map<number, { name: string; sha256: string }>();
    for (
      const r of await tx<
        { version: number; name: string; sha256: string }[]
      >`SELECT version, name, sha256 FROM troupe_migrations`
    ) {
      done.set(r.version, r);
    }
    const now: string[] = [];
    for (const m of migrations) {
      const prev = done.get(m.version);
      if (prev) {
        if (prev.sha256 !== m.sha256) {
          throw new MigrationError(
            `migration ${m.name} changed after it was applied as ${prev.name} (sha256 ${
              prev.sha256.slice(0, 12)
            }… now ${m.sha256.slice(0, 12)}…): add a new migration instead`,
          );
        }
        continue;
      }
      try {
        await tx.unsafe(m.sql);
      } catch (err) {
        throw new MigrationError(`migration ${m.name} failed: ${(err as Error).message}`, err);
      }
      await tx`INSERT INTO troupe_migrations (version, name, sha256) VALUES (${m.version}, ${m.name}, ${m.sha256})`;
      now.push(m.name);
    }
    return now;
  });
  options.log?.info("database schema ready", { schema, applied, total: migrations.length });
  return applied;
}
