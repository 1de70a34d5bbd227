/**
 * `npm run postgres -- start|stop [--dir .troupe/postgres]`: a private local
 * PostgreSQL cluster. `start` prints `DATABASE_URL=...` on standard output.
 */
import process from "node:process";
import { parseCli } from "./args.ts";

const USAGE = `usage: npm run postgres -- start|stop [--dir D]

A private local PostgreSQL cluster from Debian's postgresql package (installed with
apt-get when missing). start prints DATABASE_URL=... on standard output.

  --dir D    cluster directory (default .troupe/postgres)
  --help     this text
`;
const { values, positionals } = parseCli({
  name: "postgres",
  usage: USAGE,
  positionals: true,
  options: { dir: { type: "string", default: ".troupe/postgres" } },
});
// Loaded once the flags are known: --help and a bad flag answer at once.
const { createLogger } = await import("../../system/mod.ts");
const { startPostgres, stopPostgres } = await import("../../infra/mod.ts");
const log = createLogger({ fields: { script: "postgres" } });
switch (positionals[0]) {
  case "start":
    process.stdout.write(`DATABASE_URL=${(await startPostgres(values.dir!, log)).url}\n`);
    break;
  case "stop":
    await stopPostgres(values.dir!, log);
    break;
  default:
    console.error(
      positionals[0] === undefined
        ? "postgres: say start or stop (see --help)"
        : `postgres: unknown command '${positionals[0]}': start or stop (see --help)`,
    );
    process.exit(2);
}
