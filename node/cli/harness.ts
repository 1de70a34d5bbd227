/**
 * What every troupe entry point does the same way (main.ts, `npm run local`,
 * `npm run simulate`): read the configuration (a bad value prints each problem and
 * exits 2), start the node (a dependency it cannot reach exits 3 with one line
 * naming it, any other failure exits 1), stop gracefully on the first
 * SIGINT/SIGTERM (exit 0; during the start too: what has started stops in order) or
 * when the root supervisor gives up (exit 1), and exit 130 at once on a second signal.
 *
 * A stop signal often reaches the node twice at once: under `npm run` the terminal
 * signals the whole process group and npm forwards what it got to its script;
 * `timeout` signals its command and then the command's process group. So the first
 * repeat of the same signal within a second is taken for that copy, not for a
 * second Ctrl-C. (The npm scripts `exec` the node: with a shell in between, npm's
 * forward killed the shell and npm exited 130.)
 */
import { errorMessage } from "../../system/mod.ts";
import { environment, exit, onShutdownSignal } from "../../system/platform.ts";
import { ConfigError, type ConfigSource, loadConfig, type TroupeConfig } from "../config.ts";
import { StartAborted, startNode, type TroupeNode } from "../node.ts";
import { DependencyUnreachable } from "../preflight.ts";

/** Options of {@link startNodeCli}. */
export interface NodeCliOptions {
  /** Prefix of the lines this entry point prints, e.g. `local`. */
  name: string;
  /** Values that take precedence over the environment. @default {} */
  overrides?: (env: ConfigSource) => ConfigSource;
  /** How a configuration problem is printed. @default `<name>: configuration error: <problem>` */
  describeProblem?(problem: string): string;
  /** A further check of the configuration; a string is a problem (exit 2). */
  validate?(config: TroupeConfig): string | null;
  /** Runs before the node starts (to say what it will do). */
  beforeStart?(config: TroupeConfig): void;
}

/** A node started by an entry point. */
export interface NodeCli {
  readonly config: TroupeConfig;
  readonly node: TroupeNode;
  /** Runs `hook` once the node stopped, before the process exits (progress lines, summaries). */
  onStop(hook: (code: number) => void): void;
  /** Runs `hook` as the stop begins (a signal, the root giving up, or `finish`): end progress lines here. */
  onStopping(hook: () => void): void;
  /** Stops the node gracefully and exits with `code` (once; later calls are ignored). */
  finish(code: number): Promise<void>;
}

/** Reads the configuration and starts the node, or exits with the entry point's code. */
export async function startNodeCli(options: NodeCliOptions): Promise<NodeCli> {
  const env = environment();
  let config: TroupeConfig;
  try {
    config = loadConfig({ env, overrides: options.overrides?.(env) ?? {} });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const p of err.problems) {
      console.error(options.describeProblem?.(p) ?? `${options.name}: configuration error: ${p}`);
    }
    exit(2);
  }
  const extra = options.validate?.(config);
  if (extra) {
    console.error(`${options.name}: ${extra}`);
    exit(2);
  }
  options.beforeStart?.(config);
  const hooks: ((code: number) => void)[] = [];
  const stoppingHooks: (() => void)[] = [];
  let node: TroupeNode | null = null;
  let finishing: Promise<void> | null = null;
  const finish = (code: number) => (finishing ??= (async () => {
    for (const h of stoppingHooks) h();
    await node?.stop();
    for (const h of hooks) h(code);
    exit(code);
  })());
  let signals = 0;
  let first = { signal: "", at: 0 };
  let copySeen = false;
  onShutdownSignal((signal) => {
    if (signals === 1 && !copySeen && signal === first.signal && Date.now() - first.at < 1000) {
      copySeen = true; // the same request again: npm's forward, or `timeout`'s signal to the group
      return;
    }
    if (++signals > 1) {
      console.error(`${options.name}: second ${signal}: exiting without waiting for the graceful shutdown`);
      exit(130);
    }
    first = { signal, at: Date.now() };
    // During the start: what has started stops in order, and the start ends with StartAborted (exit 0).
    if (!node) return starting.abort();
    node.log.info("shutdown signal received", { signal });
    void finish(0);
  });
  const starting = new AbortController();
  try {
    node = await startNode(config, { signal: starting.signal });
  } catch (err) {
    if (err instanceof StartAborted) exit(0);
    if (err instanceof DependencyUnreachable) {
      console.error(`${options.name}: ${err.message}`);
      exit(3);
    }
    console.error(`${options.name}: the node could not start: ${errorMessage(err)}`);
    exit(1);
  }
  const started = node;
  started.system.onGiveUp((err) => {
    started.log.error("exiting: the root supervisor gave up", { error: errorMessage(err), exitCode: 1 });
    void finish(1);
  });
  return {
    config,
    node: started,
    onStop: (h) => void hooks.push(h),
    onStopping: (h) => void stoppingHooks.push(h),
    finish,
  };
}
