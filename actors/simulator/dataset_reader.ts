/**
 * Dataset reader: owns the open CIFAR-100 split and answers reads by record
 * index. With no dataset directory it generates the deterministic synthetic
 * dataset first and says so in the log and in `/actors`.
 */
import { type CifarDataset, openCifarDataset } from "./cifar_files.ts";
import { ensureSyntheticCifar } from "./synthetic_cifar.ts";
import type { CifarRecord } from "../../protocols/cifar100.ts";
import { type ActorProps, type ActorRef, type Behaviour, type ChildSpec, childSpec } from "../../system/mod.ts";

/** What the reader says about its dataset. */
export interface DatasetInfo {
  /** The split's file. */
  file: string;
  /** Records in it. */
  count: number;
  /** True for the synthetic dataset troupe generated (its labels mean nothing). */
  synthetic: boolean;
  /** Fine label names by index. */
  fineNames: readonly string[];
  /** Coarse label names by index. */
  coarseNames: readonly string[];
}

/** Messages of the reader. */
export type DatasetReaderMsg =
  | { type: "reader.info"; replyTo: ActorRef<DatasetInfo> }
  | { type: "reader.read"; indices: number[]; replyTo: ActorRef<CifarRecord[]> };

/** Options of {@link datasetReader}. */
export interface DatasetReaderOptions {
  /** A CIFAR-100 binary directory; null: the synthetic dataset in `syntheticDir`. */
  datasetDir: string | null;
  /** The split to read. */
  split: "test" | "train";
  /** Where the synthetic dataset is (generated there when missing). */
  syntheticDir: string;
  /** Seed of the synthetic dataset. */
  seed: number;
}

interface State {
  dataset: CifarDataset;
  synthetic: boolean;
  reads: number;
}

/** The reader's behaviour. */
export function datasetReader(options: DatasetReaderOptions): Behaviour<DatasetReaderMsg, unknown> {
  return reader(options);
}

function reader(options: DatasetReaderOptions): Behaviour<DatasetReaderMsg, State> {
  return {
    async init(ctx) {
      let dir = options.datasetDir;
      if (dir === null) {
        const s = await ensureSyntheticCifar(options.syntheticDir, { seed: options.seed, split: options.split });
        ctx.log.warn(
          "SYNTHETIC DATA: no DATASET_DIR was given, so the simulator sends generated images in the CIFAR-100 format, not CIFAR-100 photographs",
          {
            dir: s.dir,
            records: s.count,
            seed: s.seed,
            generatedNow: s.generated,
          },
        );
        dir = s.dir;
      }
      const dataset = await openCifarDataset(dir, options.split);
      ctx.log.info("dataset open", { file: dataset.file, records: dataset.count });
      return { dataset, synthetic: options.datasetDir === null, reads: 0 };
    },
    async receive(state, msg) {
      if (msg.type === "reader.info") {
        const d = state.dataset;
        msg.replyTo.trySend({
          file: d.file,
          count: d.count,
          synthetic: state.synthetic,
          fineNames: d.fineNames,
          coarseNames: d.coarseNames,
        });
        return state;
      }
      // Reads at positions are independent: they run side by side in the I/O pool.
      const records: CifarRecord[] = await Promise.all(msg.indices.map((i) => state.dataset.read(i)));
      state.reads += records.length;
      msg.replyTo.trySend(records);
      return state;
    },
    stop: (state) => state.dataset.close(),
    describe: (state) => ({
      file: state.dataset.file,
      records: state.dataset.count,
      synthetic: state.synthetic,
      reads: state.reads,
    }),
  };
}

/** The datasetReader actor as a supervisor's child: `dataset_reader`, capacity 8. */
export function datasetReaderSpec(
  options: DatasetReaderOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<DatasetReaderMsg> {
  return childSpec(datasetReader(options), { name: "dataset_reader", capacity: 8 }, props);
}
