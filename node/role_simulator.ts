/**
 * The `simulator` role: dataset reader -> device fleet -> encoder -> producer ->
 * `troupe.images`. Started in reverse data order so each actor's downstream exists.
 */
import { type HopReporter, noHops, TRACEPARENT_HEADER } from "../protocols/mod.ts";
import { type DatasetInfo, type DatasetReaderMsg, datasetReaderSpec } from "../actors/simulator/mod.ts";
import { deviceFleetSpec, type FleetStats } from "../actors/simulator/mod.ts";
import { kafkaProducerSpec, newProducerStats, type ProducerStats } from "../actors/kafka/mod.ts";
import { pngEncoderSpec } from "../actors/simulator/mod.ts";
import { type ActorSystem, ask, startChild, supervise } from "../system/mod.ts";
import type { TroupeConfig } from "./config.ts";
import { ensurePipelineTopics, kafkaBrokersOf, kafkaConnectionOf } from "./_kafka.ts";

/** Live figures of a simulator role. */
export interface SimulatorFigures {
  dataset: { file: string; records: number; synthetic: boolean };
  fleet: FleetStats;
  producer: ProducerStats;
}

/** A started simulator role. */
export interface SimulatorRole {
  figures(): SimulatorFigures;
}

/** Starts the simulator subtree. */
export async function startSimulatorRole(
  system: ActorSystem,
  config: TroupeConfig,
  hops: HopReporter = noHops,
): Promise<SimulatorRole> {
  const sim = config.simulator;
  await ensurePipelineTopics(config, system.log);
  const sup = await supervise(system.root, {
    name: "simulator",
    strategy: "rest_for_one",
    intensity: 10,
    periodMs: 60_000,
    backoff: { minMs: 200, maxMs: 10_000, jitter: 0.2 },
  });
  const reader = await startChild(
    sup,
    datasetReaderSpec({ datasetDir: sim.datasetDir, split: sim.split, syntheticDir: sim.syntheticDir, seed: sim.seed }),
  );
  const info = await ask<DatasetReaderMsg, DatasetInfo>(reader, (replyTo) => ({ type: "reader.info", replyTo }), {
    timeoutMs: 10_000,
  });
  const producerStats = newProducerStats();
  const producer = await startChild(
    sup,
    kafkaProducerSpec({
      brokers: kafkaBrokersOf(config),
      connection: kafkaConnectionOf(config),
      batchSize: sim.producerBatch,
      lingerMs: sim.producerLingerMs,
      compression: config.topics.compression,
      readiness: system.readiness,
      stats: producerStats,
      onSent: (records, atMs) => {
        for (const r of records) hops("produced", r.headers?.[TRACEPARENT_HEADER], atMs);
      },
    }),
  );
  const encoder = await startChild(
    sup,
    pngEncoderSpec({ topic: config.topics.images, producer, threads: sim.encoderThreads, hops }),
  );
  const fleet: FleetStats = { captured: 0, target: null, finished: false };
  await startChild(
    sup,
    deviceFleetSpec({
      devices: sim.devices,
      rate: sim.rate,
      count: sim.count,
      jitter: sim.jitter,
      seed: sim.seed,
      datasetSize: info.count,
      reader,
      encoder,
      stats: fleet,
      hops,
    }),
  );
  system.log.info("simulator started", {
    devices: sim.devices,
    rate: sim.rate,
    count: sim.count || "until stopped",
    dataset: info.file,
    synthetic: info.synthetic,
  });
  return {
    figures: () => ({
      dataset: { file: info.file, records: info.count, synthetic: info.synthetic },
      fleet: { ...fleet },
      producer: { ...producerStats },
    }),
  };
}
