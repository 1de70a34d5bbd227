/**
 * Simulated cameras: the CIFAR-100 reader (or the generated synthetic dataset),
 * the device fleet, and the encoder that turns captures into `troupe.images`
 * records for any sink of records (troupe's Kafka producer in the simulator role).
 * It imports nothing of Kafka.
 * @module
 */
export { type CifarDataset, DatasetError, openCifarDataset } from "./cifar_files.ts";
export {
  ensureSyntheticCifar,
  SYNTHETIC_COARSE_NAMES,
  SYNTHETIC_FINE_NAMES,
  type SyntheticDataset,
  syntheticImage,
  type SyntheticOptions,
} from "./synthetic_cifar.ts";
export {
  type DatasetInfo,
  datasetReader,
  type DatasetReaderMsg,
  type DatasetReaderOptions,
  datasetReaderSpec,
} from "./dataset_reader.ts";
export {
  deviceFleet,
  type DeviceFleetMsg,
  type DeviceFleetOptions,
  deviceFleetSpec,
  deviceIdOf,
  type FleetStats,
} from "./device_fleet.ts";
export { type EncoderMsg, type EncoderStats, pngEncoder, type PngEncoderOptions, pngEncoderSpec } from "./encoder.ts";
