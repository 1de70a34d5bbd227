/**
 * `npm run local`: the whole pipeline on this machine. Starts what it needs (the
 * broker role's Kafka unless KAFKA_BROKERS is set; a local PostgreSQL, or the
 * embedded PGlite where none can be had, unless DATABASE_URL is set), runs the
 * db and simulator roles with a live progress line, and prints a summary with the
 * ops URL. The node then keeps running for inspection until Ctrl-C, or exits at
 * once with --exit.
 */
import { parseCli } from "./args.ts";
import { bar, num, RateMeter, startProgress } from "./progress.ts";

function usage(): string {
  return `usage: npm run local -- [--count N] [--devices N] [--rate R] [--exit]

Runs the whole pipeline locally: Kafka (broker role), PostgreSQL (db role), the
inference role (model pool, predict API on http://127.0.0.1:8080), the simulator,
and the ops endpoint (http://127.0.0.1:7070 by default).

  --count N     images to send (default 500)
  --devices N   simulated cameras (default 10)
  --rate R      images per second per camera; 0: as fast as possible (default 0)
  --exit        stop after the summary instead of running on for inspection
  --help        this text

KAFKA_BROKERS, DATABASE_URL and DATASET_DIR point it at existing ones instead;
every other variable of \`npm start -- --help\` applies too.
`;
}

async function main(): Promise<void> {
  const { values } = parseCli({
    name: "local",
    usage: usage(),
    options: {
      count: { type: "string" },
      devices: { type: "string" },
      rate: { type: "string" },
      exit: { type: "boolean" },
    },
  });
  // Loaded once the flags are known: --help and a bad flag answer at once.
  const { startNodeCli } = await import("./harness.ts");
  const cli = await startNodeCli({
    name: "local",
    overrides: (env) => ({
      ROLE: env["KAFKA_BROKERS"] ? "db,inference,simulator" : "broker,db,inference,simulator",
      SIM_COUNT: values.count ?? env["SIM_COUNT"] ?? "500",
      SIM_DEVICES: values.devices ?? env["SIM_DEVICES"] ?? "10",
      SIM_RATE: values.rate ?? env["SIM_RATE"] ?? "0",
      LOG_LEVEL: env["LOG_LEVEL"] ?? "warn",
    }),
    validate: (
      config,
    ) => (config.simulator.count === 0
      ? "--count must be above 0 (use `ROLE=all npm start` for an endless run)"
      : null),
    beforeStart: (config) => {
      say(
        `Kafka: ${
          config.kafkaBrokers
            ? `using ${config.kafkaBrokers.join(",")}`
            : `starting a local broker on 127.0.0.1:${config.broker.port} (first run resolves the Kafka ${config.broker.version} jars with Maven)`
        }`,
      );
      say(
        `PostgreSQL: ${
          config.databaseUrl
            ? "using DATABASE_URL"
            : "starting a local cluster in .troupe/postgres (PGlite in .troupe/pglite if none can be had)"
        }`,
      );
      say(
        `dataset: ${
          config.simulator.datasetDir ??
            `SYNTHETIC (generated in ${config.simulator.syntheticDir}; set DATASET_DIR for real CIFAR-100)`
        }`,
      );
      say(
        `model: ${
          config.inference.modelPath ??
            `ResNet50 v1 with UNTRAINED generated weights (cached in ${config.inference.modelDir}; set MODEL_PATH for a trained ONNX classifier)`
        }`,
      );
    },
  });
  const { config, node } = cli;
  const db = node.roles.db!;
  const sim = node.roles.simulator!;
  const inf = node.roles.inference!;
  say(
    `running: ${config.simulator.devices} cameras, ${num(config.simulator.count)} images; database ${
      db.figures().database === "external" ? "from DATABASE_URL" : db.figures().database
    }; ops at ${node.opsUrl}`,
  );
  const started = Date.now();
  const meter = new RateMeter();
  const stored = () => {
    const u = db.figures().upserter;
    return u.imagesInserted + u.imagesUpdated;
  };
  const sum = (o: Partial<Record<string, number>>) => Object.values(o).reduce((a: number, b) => a + (b ?? 0), 0);
  const deadLettered = () => sum(db.figures().consumer.deadLettered);
  const inferred = () => inf.figures().consumer.inferred;
  const inferMeter = new RateMeter();
  const progress = startProgress({
    render: () => {
      const sent = sim.figures().producer.sent;
      return `${bar(inferred(), config.simulator.count)}  sent ${num(sent)}  stored ${num(stored())} (${
        num(meter.sample(stored()), 1)
      }/s)  inferred ${num(inferred())} (${num(inferMeter.sample(inferred()), 1)}/s)  dead-lettered ${
        num(deadLettered())
      }`;
    },
  });
  cli.onStopping(() => progress.stop());
  let summarised = false;
  const poll = setInterval(() => {
    const s = sim.figures();
    const c = db.figures().consumer;
    const i = inf.figures();
    const inferenceDone = i.consumer.inferred + sum(i.consumer.deadLettered) >= s.producer.sent &&
      db.figures().upserter.inferences >= i.consumer.inferred;
    const done = s.fleet.finished && s.producer.sent >= config.simulator.count && c.inFlight === 0 &&
      c.handed + deadLettered() >= s.producer.sent && inferenceDone;
    if (!done || summarised) return;
    summarised = true;
    clearInterval(poll);
    progress.stop();
    const secs = (Date.now() - started) / 1000;
    const u = db.figures().upserter;
    console.log("");
    console.log(`  images sent      ${num(s.producer.sent)}`);
    console.log(
      `  stored           ${num(u.imagesInserted + u.imagesUpdated)} (${num(u.imagesInserted)} new rows, ${
        num(u.imagesUpdated)
      } updated)`,
    );
    console.log(
      `  inferred         ${num(i.consumer.inferred)} by ${i.model.name}${
        i.model.untrained ? " (UNTRAINED weights: the classes mean nothing)" : ""
      }, ${num(db.figures().upserter.inferences)} inference rows written`,
    );
    console.log(`  dead-lettered    ${num(deadLettered() + sum(i.consumer.deadLettered))}`);
    console.log(
      `  rate             ${num(s.producer.sent / secs, 1)} images/s end to end, captured to stored and classified (${
        num(secs, 1)
      } s)`,
    );
    const lat = [...i.pool.recentLatencyMs].sort((a, b) => a - b);
    console.log(
      `  model pool       ${i.model.pool.workers} worker(s) x ${i.model.pool.intraOpThreads} thread(s), mean batch ${
        num(i.pool.batches ? i.pool.images / i.pool.batches : 0, 2)
      }, latency p50 ${num(lat[Math.floor(lat.length / 2)] ?? 0, 1)} ms`,
    );
    console.log(
      `  predict API      ${i.apiUrl}/v1/predict  (curl -H 'content-type: image/png' --data-binary @image.png ...)`,
    );
    console.log(
      `  data             ${s.dataset.synthetic ? "synthetic (generated, not CIFAR-100 photographs)" : s.dataset.file}`,
    );
    console.log(`  database         ${db.figures().database} ${db.figures().databaseUrl} (schema ${config.db.schema})`);
    console.log(`  ops              ${node.opsUrl}  (the live page; /actors, /metrics, /readyz)`);
    if (values.exit) void cli.finish(0);
    else say(`still running so you can look around at ${node.opsUrl}; Ctrl-C stops it`);
  }, 100);
}

function say(line: string): void {
  console.log(`local: ${line}`);
}

await main();
