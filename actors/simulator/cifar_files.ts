/**
 * Reads a CIFAR-100 binary dataset directory (`train.bin` or `test.bin`, plus
 * `coarse_label_names.txt` and `fine_label_names.txt`; layout in
 * protocols/cifar100.ts). The whole file is checked when it is opened, so a
 * truncated or corrupt file fails at once with the file and byte offset; records
 * are then read on demand by index, in blocks of which the most recently used
 * stay in memory.
 */
import { open, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  CIFAR_COARSE_CLASSES,
  CIFAR_FINE_CLASSES,
  CIFAR_RECORD_BYTES,
  type CifarRecord,
  parseCifarRecord,
} from "../../protocols/cifar100.ts";
import { TroupeError } from "../../system/mod.ts";

/** A dataset file is missing, truncated or corrupt. Not retriable: the file must be fixed. */
export class DatasetError extends TroupeError {
  /** An error naming the file, the byte offset when known, and the problem. */
  constructor(readonly file: string, readonly byteOffset: number | null, problem: string) {
    super("TROUPE_ERR_DATASET", `${file}${byteOffset === null ? "" : ` at byte offset ${byteOffset}`}: ${problem}`);
  }
}

/** An open dataset split. */
export interface CifarDataset {
  /** The split's file. */
  readonly file: string;
  /** Number of records. */
  readonly count: number;
  /** Coarse label names by index (from `coarse_label_names.txt`). */
  readonly coarseNames: readonly string[];
  /** Fine label names by index (from `fine_label_names.txt`). */
  readonly fineNames: readonly string[];
  /** Reads the record at `index` (0 <= index < count). */
  read(index: number): Promise<CifarRecord>;
  /** Closes the file. */
  close(): Promise<void>;
}

const SCAN_RECORDS = 4096;
/** Records are read in blocks (768 KiB), of which the most recently used stay in memory (24 MiB). */
const BLOCK_RECORDS = 256;
const CACHED_BLOCKS = 32;

/** The last `CACHED_BLOCKS` blocks read; concurrent reads of one block share its read. */
class BlockCache {
  readonly #blocks = new Map<number, Promise<Uint8Array>>();
  constructor(readonly load: (block: number) => Promise<Uint8Array>) {}

  get(block: number): Promise<Uint8Array> {
    let p = this.#blocks.get(block);
    if (p) this.#blocks.delete(block);
    else p = this.load(block);
    this.#blocks.set(block, p);
    p.catch(() => this.#blocks.delete(block));
    if (this.#blocks.size > CACHED_BLOCKS) this.#blocks.delete(this.#blocks.keys().next().value as number);
    return p;
  }
}

/** Opens `dir/<split>.bin` and its label names, checking every record's labels. */
export async function openCifarDataset(dir: string, split: "train" | "test"): Promise<CifarDataset> {
  const coarseNames = await readNames(join(dir, "coarse_label_names.txt"), CIFAR_COARSE_CLASSES);
  const fineNames = await readNames(join(dir, "fine_label_names.txt"), CIFAR_FINE_CLASSES);
  const file = join(dir, `${split}.bin`);
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (err) {
    throw new DatasetError(file, null, `cannot read the dataset file (${(err as Error).message})`);
  }
  if (size === 0) throw new DatasetError(file, 0, "the file is empty");
  const whole = Math.floor(size / CIFAR_RECORD_BYTES);
  if (whole * CIFAR_RECORD_BYTES !== size) {
    throw new DatasetError(
      file,
      whole * CIFAR_RECORD_BYTES,
      `truncated record: ${
        size - whole * CIFAR_RECORD_BYTES
      } of ${CIFAR_RECORD_BYTES} bytes (file size ${size} is not a multiple of ${CIFAR_RECORD_BYTES})`,
    );
  }
  const fh = await open(file, "r");
  try {
    const chunk = new Uint8Array(SCAN_RECORDS * CIFAR_RECORD_BYTES);
    for (let first = 0; first < whole; first += SCAN_RECORDS) {
      const n = Math.min(SCAN_RECORDS, whole - first);
      await fh.read(chunk, 0, n * CIFAR_RECORD_BYTES, first * CIFAR_RECORD_BYTES);
      for (let i = 0; i < n; i++) {
        const problem = labelProblem(chunk, i * CIFAR_RECORD_BYTES);
        if (problem) throw new DatasetError(file, (first + i) * CIFAR_RECORD_BYTES, `record ${first + i}: ${problem}`);
      }
    }
  } catch (err) {
    await fh.close();
    throw err;
  }
  const blocks = new BlockCache(async (block) => {
    const first = block * BLOCK_RECORDS;
    const buf = new Uint8Array(Math.min(BLOCK_RECORDS, whole - first) * CIFAR_RECORD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, buf.length, first * CIFAR_RECORD_BYTES);
    return buf.subarray(0, bytesRead);
  });
  return {
    file,
    count: whole,
    coarseNames,
    fineNames,
    async read(index) {
      if (!Number.isInteger(index) || index < 0 || index >= whole) {
        throw new RangeError(`record index ${index} is outside 0..${whole - 1} of ${file}`);
      }
      const block = Math.floor(index / BLOCK_RECORDS);
      const bytes = await blocks.get(block);
      const rec = parseCifarRecord(bytes, (index - block * BLOCK_RECORDS) * CIFAR_RECORD_BYTES, index);
      if (typeof rec === "string") {
        throw new DatasetError(
          file,
          index * CIFAR_RECORD_BYTES,
          `record ${index}: ${rec} (the file changed after it was opened)`,
        );
      }
      return rec;
    },
    close: () => fh.close(),
  };
}

function labelProblem(bytes: Uint8Array, offset: number): string | null {
  const rec = parseCifarRecord(bytes, offset, 0);
  return typeof rec === "string" ? rec : null;
}

async function readNames(file: string, expected: number): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new DatasetError(file, null, `cannot read the label names (${(err as Error).message})`);
  }
  const names = text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  if (names.length !== expected) {
    throw new DatasetError(file, null, `expected ${expected} label names, one per line: found ${names.length}`);
  }
  return names;
}
