/**
 * The troupe program: `ROLE=broker,db node --import tsx main.ts` (or `deno run -A main.ts`).
 * Exit codes: 0 after a graceful stop, 1 when a role fails to start or the root
 * supervisor gives up, 2 for a configuration error, 3 when Kafka or PostgreSQL
 * cannot be reached at start, 130 on a second interrupt.
 */
import { parseCli } from "./node/cli/args.ts";
import { CONFIG_VARIABLES } from "./node/config.ts";

const vars = Object.entries(CONFIG_VARIABLES).map(([k, v]) => `  ${k.padEnd(22)} ${v}`).join("\n");
parseCli({
  name: "troupe",
  usage: `troupe: an IoT image-analytics pipeline on an actor runtime\n\nusage: ROLE=<roles> npm start\n\n` +
    `Takes no flags but --help: the configuration is the environment, or a JSON file named by TROUPE_CONFIG:\n${vars}\n`,
  options: {},
});
// Loaded once the flags are known: --help and a bad flag answer without loading the roles.
const { startNodeCli } = await import("./node/cli/harness.ts");
await startNodeCli({ name: "troupe" });
