/**
 * Command-line flags of every troupe command, one way: `--help` (or `-h`) prints
 * the usage on standard output and exits 0; an unknown flag, a missing value or
 * an unexpected argument prints one line naming it on standard error and exits 2.
 * It imports nothing of troupe, so a command that parses its flags first and loads
 * the rest afterwards answers `--help` and a bad flag at once.
 */
import process from "node:process";
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What a command takes. */
export interface CliSpec<O extends Options> {
  /** The command's name in its messages, e.g. `kafka`. */
  name: string;
  /** The text `--help` prints. */
  usage: string;
  /** Its flags (`help` is added). */
  options: O;
  /** Words after the flags are allowed (subcommands). @default false */
  positionals?: boolean;
  /** @default process.argv.slice(2) */
  args?: string[];
}

/** The parsed flags, or the process exits (0 after `--help`, 2 on a bad flag). */
export function parseCli<O extends Options>(
  spec: CliSpec<O>,
): ReturnType<typeof parseArgs<{ options: O; allowPositionals: boolean; strict: true }>> {
  const args = spec.args ?? process.argv.slice(2);
  let parsed;
  try {
    parsed = parseArgs({
      args,
      options: { ...spec.options, help: { type: "boolean", short: "h" } },
      allowPositionals: spec.positionals ?? false,
      strict: true,
    });
  } catch (err) {
    // node:util's messages end in advice meant for its callers ("To specify a positional argument ...").
    const first = String((err as Error)?.message ?? err).split(". ")[0]!.replace(/\.$/, "");
    console.error(`${spec.name}: ${first} (see --help)`);
    process.exit(2);
  }
  if ((parsed.values as Record<string, unknown>)["help"] === true) {
    process.stdout.write(spec.usage.endsWith("\n") ? spec.usage : `${spec.usage}\n`);
    process.exit(0);
  }
  return parsed;
}
