/**
 * The simulator on Deno with each Kafka client (KAFKA_CLIENT): `npm run simulate`'s
 * program run by Deno sending the same number of images at full speed to a fresh
 * topic, rounds alternating which client goes first. The ratio is the default
 * client's rate over the other's: how the choice of client moves the producer on Deno.
 */
import process from "node:process";
import { DEFAULT_KAFKA_CLIENT, KAFKA_CLIENTS, type KafkaClientKind } from "../actors/kafka/client.ts";
import { run } from "../infra/process.ts";
import type { BenchContext } from "./_context.ts";
import { BENCH_SYNTHETIC } from "./_context.ts";
import { isolated } from "./_nodes.ts";
import { alternate, type StageResult, stageResult } from "./_stats.ts";

async function denoRound(ctx: BenchContext, client: KafkaClientKind, n: number): Promise<number> {
  const env = isolated(ctx, "deno");
  const out = await run("node_modules/.bin/deno", [
    "run",
    "-A",
    "node/cli/simulate.ts",
    "--devices",
    "10",
    "--rate",
    "0",
    "--count",
    String(n),
    "--ops-port",
    "0",
  ], {
    env: {
      ...process.env,
      ...env,
      KAFKA_CLIENT: client,
      KAFKA_BROKERS: ctx.brokers.join(","),
      SYNTHETIC_DIR: BENCH_SYNTHETIC,
      LOG_LEVEL: "warn",
      NO_COLOR: "1",
    },
  });
  const m = /simulate: sent [\d,]+ images in [\d.]+ s \(([\d,.]+) img\/s\)/.exec(out.stdout);
  if (!m) {
    throw new Error(`the simulator on Deno printed no summary: ${out.stdout.slice(-400)} ${out.stderr.slice(-400)}`);
  }
  return Number(m[1]!.replaceAll(",", ""));
}

/** Runs the stage. */
export async function benchKafkaClientsDeno(ctx: BenchContext): Promise<StageResult> {
  const n = ctx.mode === "quick" ? 20_000 : 40_000;
  const version = /deno (\S+)/.exec((await run("node_modules/.bin/deno", ["--version"])).stdout)?.[1] ?? "?";
  const other = KAFKA_CLIENTS.find((k) => k !== DEFAULT_KAFKA_CLIENT)!;
  const rates = new Map<KafkaClientKind, number[]>(KAFKA_CLIENTS.map((k) => [k, []]));
  for (let r = 0; r < ctx.rounds; r++) {
    await alternate(r, KAFKA_CLIENTS.map((k) => async () => void rates.get(k)!.push(await denoRound(ctx, k, n))));
    ctx.say(
      `simulator on Deno, round ${r + 1}/${ctx.rounds}: ${
        KAFKA_CLIENTS.map((k) => `${k} ${rates.get(k)!.at(-1)!.toFixed(0)}`).join(", ")
      } img/s`,
    );
  }
  return stageResult({
    stage: "producer on Deno",
    unit: "images/s",
    troupe: [`the simulator on Deno ${version}, ${DEFAULT_KAFKA_CLIENT}`, rates.get(DEFAULT_KAFKA_CLIENT)!],
    anchor: [`the same on ${other}`, rates.get(other)!],
    target: null,
    extra: { records: n },
    notes: ["npm run simulate's program under Deno, full speed, 10 cameras; ratio = default client / the other"],
  });
}
