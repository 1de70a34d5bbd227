/**
 * The `simulator` role: dataset reader -> device fleet -> encoder -> producer ->
 * `troupe.images`. Started in reverse data order so each actor's downstream exists.
 */
import { type DatasetInfo, datasetReader, type DatasetReaderMsg } from "../actors/simulator/mod.ts";
import { deviceFleet, type FleetStats } from "../actors/simulator/mod.ts";
import { kafkaProducer, newProducerStats, type ProducerStats } from "../actors/kafka/mod.ts";
import { pngEncoder } from "../actors/simulator/mod.ts";
import { type ActorSystem, ask, spawn, supervise } from "../system/mod.ts";
import type { TroupeConfig } from "./config.ts";
import { ensurePipelineTopics, kafkaBrokersOf } from "./_kafka.ts";

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
export async function startSimulatorRole(system: ActorSystem, config: TroupeConfig): Promise<SimulatorRole> {
  const sim = config.simulator;
  await ensurePipelineTopics(config, system.log);
  const sup = await supervise(system.root, {
    name: "simulator",
    strategy: "rest_for_one",
    intensity: 10,
    periodMs: 60_000,
    backoff: { minMs: 200, maxMs: 10_000, jitter: 0.2 },
  });
  const reader = await spawn(
    sup,
    datasetReader({ datasetDir: sim.datasetDir, split: sim.split, syntheticDir: sim.syntheticDir, seed: sim.seed }),
    { name: "dataset_reader", capacity: 8 },
  );
  const info = await ask<DatasetReaderMsg, DatasetInfo>(reader, (replyTo) => ({ type: "reader.info", replyTo }), {
    timeoutMs: 10_000,
  });
  const producerStats = newProducerStats();
  const producer = await spawn(
    sup,
    kafkaProducer({
      brokers: kafkaBrokersOf(config),
      batchSize: sim.producerBatch,
      lingerMs: sim.producerLingerMs,
      compression: config.topics.compression,
      readiness: system.readiness,
      stats: producerStats,
    }),
    { name: "producer", capacity: Math.max(64, sim.producerBatch * 2), shutdownMs: 10_000 },
  );
  const encoder = await spawn(sup, pngEncoder({ topic: config.topics.images, producer, threads: sim.encoderThreads }), {
    name: "encoder",
    capacity: 64,
  });
  const fleet: FleetStats = { captured: 0, target: null, finished: false };
  await spawn(
    sup,
    deviceFleet({
      devices: sim.devices,
      rate: sim.rate,
      count: sim.count,
      jitter: sim.jitter,
      seed: sim.seed,
      datasetSize: info.count,
      reader,
      encoder,
      stats: fleet,
    }),
    { name: "fleet", capacity: 4 },
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
