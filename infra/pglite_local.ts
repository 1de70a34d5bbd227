/**
 * The zero-install fallback database of a local run: PGlite (PostgreSQL compiled
 * to WebAssembly, in process) served on a loopback port by pglite-socket, with
 * its data in a directory. Used by `npm run local` only when no PostgreSQL server
 * can be had; never the tested production path. PGlite is one session at heart:
 * the socket server multiplexes a few connections, so keep pools small.
 */
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Logger } from "../system/mod.ts";
import { importOptional } from "../system/optional_package.ts";
import { freePort } from "./process.ts";

/** A running PGlite server. */
export interface LocalPglite {
  /** The connection URL of its PostgreSQL wire protocol socket. */
  url: string;
  /** Its data directory. */
  dataDir: string;
  /** Stops the server (the data stay). */
  stop(): Promise<void>;
}

/** Opens (or creates) the PGlite database in `dataDir` and serves it on 127.0.0.1. */
export async function startPglite(dataDir: string, log: Logger, options: { port?: number } = {}): Promise<LocalPglite> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const why = "the embedded PostgreSQL (DATABASE_URL=pglite)";
  const { PGlite } = await importOptional("@electric-sql/pglite", "^0.5.14", why, () => import("@electric-sql/pglite"));
  const { PGLiteSocketServer } = await importOptional(
    "@electric-sql/pglite-socket",
    "^0.2.17",
    why,
    () => import("@electric-sql/pglite-socket"),
  );
  const db = await PGlite.create(dir);
  const port = options.port ?? (await freePort());
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 8 });
  await server.start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  log.info("PGlite serving", { url, dataDir: dir });
  return {
    url,
    dataDir: dir,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
