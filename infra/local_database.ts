/**
 * The database of a node that was given no `DATABASE_URL`: a private PostgreSQL
 * cluster from Debian's package (installed when missing), or, where none can be
 * had, the embedded PGlite. Says which in the log.
 */
import { errorMessage, type Logger } from "../system/mod.ts";
import { startPglite } from "./pglite_local.ts";
import { startPostgres } from "./postgres_local.ts";

/** Where the local PostgreSQL cluster keeps its data. */
export const LOCAL_POSTGRES_DIR = ".troupe/postgres";
/** Where the local PGlite database keeps its data. */
export const LOCAL_PGLITE_DIR = ".troupe/pglite";

/** A local database. */
export interface LocalDatabase {
  /** Which server: a PostgreSQL cluster, or PGlite in this process. */
  kind: "postgresql" | "pglite";
  /** The connection URL. */
  url: string;
  /** Stops an in-process server (PGlite); a PostgreSQL cluster keeps running. */
  stop(): Promise<void>;
}

/** Starts (or finds running) the local PostgreSQL cluster, else PGlite. */
export async function startLocalDatabase(
  log: Logger,
  options: { postgresDir?: string; pgliteDir?: string } = {},
): Promise<LocalDatabase> {
  const pgDir = options.postgresDir ?? LOCAL_POSTGRES_DIR;
  try {
    const pg = await startPostgres(pgDir, log);
    log.info("database: local PostgreSQL cluster (stop it with `npm run postgres -- stop`)", {
      url: pg.url,
      dir: pgDir,
    });
    return { kind: "postgresql", url: pg.url, stop: async () => {} };
  } catch (err) {
    log.warn(
      "no PostgreSQL server could be had here: falling back to the embedded PGlite (fine for a local run; not a production database)",
      { error: errorMessage(err) },
    );
  }
  const lite = await startPglite(options.pgliteDir ?? LOCAL_PGLITE_DIR, log);
  log.warn("database: embedded PGlite", { url: lite.url, dir: lite.dataDir });
  return { kind: "pglite", url: lite.url, stop: () => lite.stop() };
}
