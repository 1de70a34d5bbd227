/**
 * Packages only some capabilities need (a Kafka client, postgres.js, an inference
 * engine) are optional peer dependencies of troupe: an embedder who wants the
 * runtime alone installs none of them. A capability loads its package through
 * {@link importOptional}, so a missing one is one error naming the package, its
 * version range and the capability, instead of the runtime's "cannot find module".
 * @module
 */
import { TroupeError } from "./errors.ts";

/** A capability was used whose optional package is not installed. */
export class MissingPackage extends TroupeError {
  /**
   * The error, naming the package and what needs it.
   * @param packageName the npm package
   * @param range the versions troupe is tested with
   * @param neededBy what needs it
   * @param cause the runtime's own error
   */
  constructor(
    /** The npm package, e.g. `postgres`. */
    readonly packageName: string,
    /** The version range troupe is tested with, e.g. `^3.4.0`. */
    readonly range: string,
    /** What needs it, e.g. `troupe/db (PostgreSQL)`. */
    readonly neededBy: string,
    cause: unknown,
  ) {
    super(
      "TROUPE_ERR_MISSING_PACKAGE",
      `${neededBy} needs the package ${packageName}, which is not installed: npm install ${packageName}@'${range}'`,
      { cause },
    );
  }
}

/** Whether `err` says that `packageName` itself (not something inside it) could not be found. */
export function isMissing(err: unknown, packageName: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  const message = String((err as { message?: unknown } | null)?.message ?? "");
  const named = message.includes(`'${packageName}'`) || message.includes(`"${packageName}"`) ||
    message.includes(`${packageName}/`) || message.endsWith(packageName);
  // Node: ERR_MODULE_NOT_FOUND ("Cannot find package 'x' imported from ..."); Deno: a TypeError or a NotFound
  // ("Could not find package 'x'", "Cannot find module 'x'", "Could not resolve 'npm:x'").
  const notFound = code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND" ||
    /could not (find|resolve)|cannot find (package|module)|not found/i.test(message);
  return named && notFound;
}

/**
 * Runs `load` (written as `() => import("pkg")` so that bundlers and `deno check` see
 * the specifier) and returns the module; a missing `packageName` becomes
 * {@link MissingPackage}, any other failure is thrown as it is.
 */
export async function importOptional<T>(
  packageName: string,
  range: string,
  neededBy: string,
  load: () => Promise<T>,
): Promise<T> {
  try {
    return await load();
  } catch (err) {
    if (isMissing(err, packageName)) throw new MissingPackage(packageName, range, neededBy, err);
    throw err;
  }
}
