/** Coded errors of ops/: local infrastructure that could not be provisioned or started. */
import { TroupeError } from "../system/mod.ts";

/** The local infrastructure could not be provisioned or started. */
export class InfraError extends TroupeError {
  /** An error with `message`; retriable only when `options.retriable` says so. */
  constructor(message: string, options: { cause?: unknown; retriable?: boolean } = {}) {
    super("TROUPE_ERR_INFRA", message, options);
  }
}
