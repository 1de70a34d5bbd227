/**
 * `npm run postgres -- start|stop [--dir .troupe/postgres]`: a private local
 * PostgreSQL cluster. `start` prints `DATABASE_URL=...` on standard output.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createLogger } from "../../system/mod.ts";
import { startPostgres, stopPostgres } from "../../infra/mod.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { dir: { type: "string", default: ".troupe/postgres" } },
});
const log = createLogger({ fields: { script: "postgres" } });
switch (positionals[0]) {
  case "start":
    process.stdout.write(`DATABASE_URL=${(await startPostgres(values.dir!, log)).url}\n`);
    break;
  case "stop":
    await stopPostgres(values.dir!, log);
    break;
  default:
    console.error("usage: npm run postgres -- start|stop [--dir D]");
    process.exit(2);
}
