/**
 * `troupe/platform`: everything that differs between Node (20, 22, 24) and Deno 2.
 * Which runtime this is, the environment, OS signals, exiting, serving HTTP, worker
 * threads on TypeScript or built modules, and troupe's cache folder.
 *
 * `serveHttp`, `onShutdownSignal` and `troupeCacheDir` are stable; the rest is
 * `@experimental`.
 * @module
 */
import process from "node:process";
import { Worker, type WorkerOptions } from "node:worker_threads";

export { troupeCacheDir, writeFileWhole } from "./files.ts";

/** The JavaScript runtime in use. @experimental */
export const runtime: "deno" | "node" = "Deno" in globalThis ? "deno" : "node";

/** A copy of the process environment. @experimental */
export function environment(): Record<string, string | undefined> {
  return { ...process.env };
}

/** Calls `handler` on SIGINT or SIGTERM; returns a function that removes it. */
export function onShutdownSignal(handler: (signal: "SIGINT" | "SIGTERM") => void): () => void {
  const onInt = () => handler("SIGINT");
  const onTerm = () => handler("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  };
}

/**
 * Whether a timer keeps the process alive (Node's `ref`/`unref` on its Timeout;
 * Deno's `refTimer`/`unrefTimer` on its timer id).
 * @experimental
 */
export function keepTimerAlive(handle: unknown, alive: boolean): void {
  if (typeof handle === "object" && handle !== null && "unref" in handle) {
    const t = handle as { ref(): void; unref(): void };
    if (alive) t.ref();
    else t.unref();
  } else if (typeof handle === "number" && runtime === "deno") {
    const deno = (globalThis as unknown as { Deno: { refTimer(id: number): void; unrefTimer(id: number): void } }).Deno;
    if (alive) deno.refTimer(handle);
    else deno.unrefTimer(handle);
  }
}

/** Ends the process with `code`. @experimental */
export function exit(code: number): never {
  process.exit(code);
}

/** A running HTTP server. */
export interface HttpServer {
  /** The address it listens on. */
  readonly host: string;
  /** The port it listens on (the one picked, when asked for port 0). */
  readonly port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

type DenoServe = (
  options: { hostname: string; port: number; onListen?: () => void },
  handler: (req: Request) => Response | Promise<Response>,
) => { addr: { port: number }; shutdown(): Promise<void> };

/** Serves a fetch handler on `host:port` (port 0 picks a free port). */
export async function serveHttp(
  fetch: (req: Request) => Response | Promise<Response>,
  options: { host: string; port: number },
): Promise<HttpServer> {
  if (runtime === "deno") {
    const serve = (globalThis as unknown as { Deno: { serve: DenoServe } }).Deno.serve;
    const server = serve({ hostname: options.host, port: options.port, onListen: () => {} }, fetch);
    return { host: options.host, port: server.addr.port, close: () => server.shutdown() };
  }
  const { createAdaptorServer } = await import("@hono/node-server");
  const server = createAdaptorServer({ fetch });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    host: options.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/**
 * The module `name` (a relative path without extension) beside the module whose
 * `import.meta.url` is `base`: `.ts` when running from the TypeScript sources (tsx,
 * Deno), `.js` when running from a build (`npm run build`), which keeps the layout.
 * @experimental
 */
export function moduleBeside(base: string, name: string): URL {
  return new URL(`${name}${base.endsWith(".ts") ? ".ts" : ".js"}`, base);
}

/**
 * Starts a worker thread on a module. Deno runs TypeScript modules itself; Node
 * runs a `.ts` module through tsx, registered inside the new thread (loader hooks
 * of the main thread do not reach workers on Node 20).
 * @experimental
 */
export function startWorkerThread(module: URL, options: WorkerOptions = {}): Worker {
  if (runtime === "deno" || !module.pathname.endsWith(".ts")) return new Worker(module, options);
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import { register } from ${JSON.stringify(tsx)}; register(); await import(${
    JSON.stringify(module.href)
  });`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(boot)}`), options);
}
