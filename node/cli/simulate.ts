/**
 * `npm run simulate -- --devices 50 --rate 20 --count 10000`: runs a simulator
 * node (dataset reader, cameras, encoder, producer) against Kafka with a live
 * progress line, and prints a summary at the end. Flags override the environment
 * (same variables as the node: SIM_DEVICES, SIM_RATE, KAFKA_BROKERS...).
 */
import { parseCli } from "./args.ts";
import type { ConfigSource } from "../config.ts";
import { bar, num, RateMeter, startProgress } from "./progress.ts";

const FLAGS = {
  devices: ["SIM_DEVICES", "simulated cameras (default 10)"],
  rate: ["SIM_RATE", "images per second per camera; 0 with --count: as fast as possible (default 2)"],
  count: ["SIM_COUNT", "images in all, then stop; 0: until Ctrl-C (default 0)"],
  jitter: ["SIM_JITTER", "relative jitter of each camera's interval, 0..1 (default 0.2)"],
  seed: ["SIM_SEED", "seed of the synthetic dataset and the jitter (default 1)"],
  dataset: ["DATASET_DIR", "CIFAR-100 binary directory (default: generated synthetic data)"],
  split: ["DATASET_SPLIT", "test or train (default test)"],
  brokers: ["KAFKA_BROKERS", "Kafka bootstrap servers (default 127.0.0.1:9092)"],
  topic: ["TOPIC_IMAGES", "topic of the images (default troupe.images)"],
  partitions: ["TOPIC_PARTITIONS", "partitions of topics created here (default 6)"],
  compression: ["KAFKA_COMPRESSION", "none or gzip (default none)"],
  batch: ["PRODUCER_BATCH", "records per produce request (default 200)"],
  linger: ["PRODUCER_LINGER_MS", "longest wait to fill a request, ms (default 20)"],
  "encoder-threads": [
    "SIM_ENCODER_THREADS",
    "worker threads encoding images; 0: the main thread (default: the cores, at most 4)",
  ],
  "ops-port": ["OPS_PORT", "port of the ops endpoint (default 7071; 0: any free port)"],
} as const;

function usage(): string {
  const lines = Object.entries(FLAGS).map(([f, [v, d]]) => `  --${f.padEnd(16)} ${d} [${v}]`);
  return `usage: npm run simulate -- [flags]\n\nRuns the simulator role: cameras send images to Kafka (topic troupe.images).\n\n${
    lines.join("\n")
  }\n  --help             this text\n\nexample: npm run simulate -- --devices 50 --rate 20 --count 10000\n`;
}

async function main(): Promise<void> {
  const options = Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: "string" as const }]));
  const parsed = parseCli({ name: "simulate", usage: usage(), options });
  // Loaded once the flags are known: --help and a bad flag answer at once.
  const { startNodeCli } = await import("./harness.ts");
  const flags = parsed.values as Record<string, string | undefined>;
  const started = Date.now();
  const cli = await startNodeCli({
    name: "simulate",
    overrides: (env) => {
      const overrides: ConfigSource = { ROLE: "simulator" };
      for (const [flag, [variable]] of Object.entries(FLAGS)) {
        const v = flags[flag];
        if (v !== undefined) overrides[variable] = v;
      }
      overrides["OPS_PORT"] ??= env["OPS_PORT"] ?? "7071";
      overrides["LOG_LEVEL"] = env["LOG_LEVEL"] ?? "warn";
      return overrides;
    },
    describeProblem: (p) => `simulate: ${p.replace(/^([A-Z_]+)/, (v) => flagOf(v))}`,
  });
  const { config, node } = cli;
  const sim = node.roles.simulator!;
  const meter = new RateMeter();
  const f0 = sim.figures();
  console.log(
    `simulate: ${config.simulator.devices} cameras -> ${config.topics.images} on ${
      (config.kafkaBrokers ?? [`127.0.0.1:${config.broker.port}`]).join(",")
    }; ops at ${node.opsUrl}`,
  );
  if (f0.dataset.synthetic) {
    console.log(`simulate: SYNTHETIC DATA (no --dataset): generated CIFAR-100-format images from ${f0.dataset.file}`);
  }
  const progress = startProgress({
    render: () => {
      const f = sim.figures();
      const rate = meter.sample(f.producer.sent);
      const total = f.fleet.target;
      const head = total
        ? `${bar(f.producer.sent, total)} ${num(f.producer.sent)}/${num(total)}`
        : `sent ${num(f.producer.sent)}`;
      return `${head}  ${num(rate, 1)} img/s  errors ${f.producer.errors}`;
    },
  });
  cli.onStopping(() => progress.stop());
  cli.onStop(() => {
    progress.stop();
    const f = sim.figures();
    const secs = (Date.now() - started) / 1000;
    console.log(
      `simulate: sent ${num(f.producer.sent)} images in ${num(secs, 1)} s (${num(f.producer.sent / secs, 1)} img/s), ${
        num(f.producer.bytes / 1048576, 1)
      } MiB, ${f.producer.errors} send errors; dataset ${f.dataset.synthetic ? "synthetic" : f.dataset.file}`,
    );
  });
  if (config.simulator.count > 0) {
    const poll = setInterval(() => {
      const f = sim.figures();
      if (f.fleet.finished && f.producer.sent >= config.simulator.count) {
        clearInterval(poll);
        void cli.finish(0);
      }
    }, 100);
  }
}

function flagOf(variable: string): string {
  const hit = Object.entries(FLAGS).find(([, [v]]) => v === variable);
  return hit ? `--${hit[0]} (${variable})` : variable;
}

await main();
