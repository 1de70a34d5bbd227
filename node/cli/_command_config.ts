/**
 * The configuration of a command that reads the fleet (`npm run fleet`, `npm run logs`):
 * a node's variables from the environment with the command's flags over them; a bad
 * value is one line naming it and exit 2, as for a node.
 */
import process from "node:process";
import { ConfigError, type ConfigSource, loadConfig, type TroupeConfig } from "../config.ts";

/** The environment's configuration with `overrides`, or exit 2 naming what was wrong. */
export function commandConfig(name: string, overrides: ConfigSource): TroupeConfig {
  try {
    // Any role that reaches Kafka: the command reads what the pipeline's nodes write.
    return loadConfig({ env: process.env as ConfigSource, overrides: { ROLE: "simulator", ...overrides } });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${name}: ${err.message}`);
    process.exit(2);
  }
}
