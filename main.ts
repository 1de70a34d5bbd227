/**
 * The troupe program: `ROLE=broker,db node --import tsx main.ts` (or `deno run -A main.ts`).
 * Exit codes: 0 after a graceful stop, 1 when a role fails to start or the root
 * supervisor gives up, 2 for a configuration error, 130 on a second interrupt.
 */
import process from "node:process";
import { IMPLEMENTED_ROLES, unimplementedRoles } from "./roles/mod.ts";
import { startNode } from "./roles/node.ts";
import { CONFIG_VARIABLES, ConfigError, environment, errorMessage, exit, loadConfig, onShutdownSignal, type TroupeConfig } from "./system/mod.ts";

function usage(): string {
  const vars = Object.entries(CONFIG_VARIABLES).map(([k, v]) => `  ${k.padEnd(22)} ${v}`).join("\n");
  return `troupe: an IoT image-analytics pipeline on an actor runtime\n\nusage: ROLE=<roles> npm start\n\nconfiguration (environment, or a JSON file named by TROUPE_CONFIG):\n${vars}\n\nroles implemented in this version: ${IMPLEMENTED_ROLES.join(", ")}\n`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(usage());
    return;
  }
  let config: TroupeConfig;
  try {
    config = loadConfig({ env: environment() });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) console.error(`troupe: configuration error: ${p}`);
    exit(2);
  }
  const missing = unimplementedRoles(config.roles);
  if (missing.length > 0) {
    console.error(`troupe: ROLE ${missing.map((r) => `'${r}'`).join(", ")} is not implemented in this version: implemented roles are ${IMPLEMENTED_ROLES.join(", ")}`);
    exit(2);
  }
  let node: Awaited<ReturnType<typeof startNode>>;
  let signals = 0;
  const finish = async (code: number) => {
    await node?.stop();
    exit(code);
  };
  onShutdownSignal((signal) => {
    signals++;
    if (signals > 1) {
      console.error(`troupe: second ${signal}: exiting without waiting for the graceful shutdown`);
      exit(130);
    }
    node?.log.info("shutdown signal received", { signal });
    void finish(0);
  });
  try {
    node = await startNode(config);
  } catch (err) {
    console.error(`troupe: the node could not start: ${errorMessage(err)}`);
    exit(1);
  }
  node.system.onGiveUp((err) => {
    node.log.error("exiting: the root supervisor gave up", { error: errorMessage(err), exitCode: 1 });
    void finish(1);
  });
}

await main();
