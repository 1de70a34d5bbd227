/** Runs troupe roles in-process for the benchmarks and waits on their figures. */
import { startNode, type TroupeNode } from "../node/node.ts";
import { loadConfig } from "../node/config.ts";
import { BENCH_MODELS, BENCH_SYNTHETIC, type BenchContext } from "./_context.ts";

/** Starts a node with `vars` on the bench's servers (ops endpoint on a free port). */
export function benchNode(ctx: BenchContext, vars: Record<string, string>): Promise<TroupeNode> {
  const config = loadConfig({
    env: {
      KAFKA_BROKERS: ctx.brokers.join(","),
      DATABASE_URL: ctx.databaseUrl,
      OPS_PORT: "0",
      API_PORT: "0",
      LOG_LEVEL: "warn",
      SYNTHETIC_DIR: BENCH_SYNTHETIC,
      MODEL_DIR: BENCH_MODELS,
      ...vars,
    },
  });
  return startNode(config, { log: ctx.log });
}

/** Polls `check` every 20 ms until it is true; rejects after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`bench: timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The environment of a pipeline with its own topics, group and schema. */
export function isolated(ctx: BenchContext, prefix: string): Record<string, string> {
  const name = ctx.unique(prefix);
  return {
    TOPIC_IMAGES: `${name}.images`,
    TOPIC_INFERENCES: `${name}.inferences`,
    TOPIC_DEADLETTER: `${name}.deadletter`,
    DB_GROUP_ID: `${name}-db`,
    INFERENCE_GROUP_ID: `${name}-inf`,
    DATABASE_SCHEMA: name.toLowerCase(),
  };
}

/** Fills the images topic of `env` with `n` images from a simulator node, then stops it. */
export async function fillImages(ctx: BenchContext, env: Record<string, string>, n: number): Promise<void> {
  const node = await benchNode(ctx, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: "10",
    SIM_RATE: "0",
    SIM_COUNT: String(n),
  });
  try {
    await waitFor("the topic filled", () => node.roles.simulator!.figures().producer.sent >= n, 600_000);
  } finally {
    await node.stop();
  }
}
