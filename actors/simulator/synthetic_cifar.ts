/**
 * A deterministic synthetic dataset in the CIFAR-100 binary format, for machines
 * where the real one cannot be downloaded. Each fine class has its own structure
 * (a pattern kind, orientation, frequency and palette); each image varies it by a
 * seeded phase, scale and light noise. Same seed and count: byte-identical files.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { mulberry32 } from "../../protocols/seeded_random.ts";
import { writeFileWhole } from "../../system/platform.ts";
import { CIFAR_FINE_CLASSES, CIFAR_RECORD_BYTES, CIFAR_SIDE, encodeCifarRecord } from "../../protocols/cifar100.ts";

/** Options of {@link ensureSyntheticCifar}. */
export interface SyntheticOptions {
  /** The generator's seed: the same seed writes the same bytes. @default 1 @default 1 */
  seed?: number;
  /** Records of the split. @default 10000 for test, 50000 for train */
  count?: number;
  /** The split, named as CIFAR-100's files are (`test.bin`, `train.bin`). @default "test" @default "test" */
  split?: "test" | "train";
}

/** What was generated, or found already generated. */
export interface SyntheticDataset {
  /** The directory it is in. */
  dir: string;
  /** The split's file. */
  file: string;
  /** Records in the file. */
  count: number;
  /** The seed it was generated with. */
  seed: number;
  /** True when it was written now; false when it was there already. */
  generated: boolean;
}

/** Fine label names of the synthetic dataset: they say what they are. */
export const SYNTHETIC_FINE_NAMES: readonly string[] = Array.from(
  { length: 100 },
  (_, i) => `synthetic_fine_${String(i).padStart(2, "0")}`,
);
/** Coarse label names of the synthetic dataset. */
export const SYNTHETIC_COARSE_NAMES: readonly string[] = Array.from(
  { length: 20 },
  (_, i) => `synthetic_coarse_${String(i).padStart(2, "0")}`,
);

/** Writes the synthetic split into `dir` unless the same seed and count are already there. */
export async function ensureSyntheticCifar(dir: string, options: SyntheticOptions = {}): Promise<SyntheticDataset> {
  const seed = options.seed ?? 1;
  const split = options.split ?? "test";
  const count = options.count ?? (split === "test" ? 10_000 : 50_000);
  const file = join(dir, `${split}.bin`);
  const marker = join(dir, `SYNTHETIC-${split}.json`);
  const want = JSON.stringify({ format: "cifar-100-binary", synthetic: true, seed, count, version: 1 });
  const have = await readFile(marker, "utf8").catch(() => null);
  if (have === want) return { dir, file, count, seed, generated: false };
  await mkdir(dir, { recursive: true });
  await writeFileWhole(join(dir, "fine_label_names.txt"), SYNTHETIC_FINE_NAMES.join("\n") + "\n");
  await writeFileWhole(join(dir, "coarse_label_names.txt"), SYNTHETIC_COARSE_NAMES.join("\n") + "\n");
  const out = new Uint8Array(count * CIFAR_RECORD_BYTES);
  const rand = mulberry32(seed);
  for (let i = 0; i < count; i++) {
    const fine = Math.floor(rand() * CIFAR_FINE_CLASSES);
    out.set(encodeCifarRecord(Math.floor(fine / 5), fine, syntheticImage(fine, rand)), i * CIFAR_RECORD_BYTES);
  }
  await writeFileWhole(file, out);
  await writeFileWhole(marker, want);
  return { dir, file, count, seed, generated: true };
}

/** One image of class `fine`: three 32x32 planes. */
export function syntheticImage(fine: number, rand: () => number): Uint8Array {
  const n = CIFAR_SIDE * CIFAR_SIDE;
  const planes = new Uint8Array(3 * n);
  const kind = fine % 5;
  const freq = 1 + (Math.floor(fine / 5) % 4);
  const angle = ((fine * 37) % 180) * (Math.PI / 180);
  const fg = palette(fine);
  const bg = palette(fine + 53);
  const phase = rand() * Math.PI * 2;
  const scale = 0.8 + rand() * 0.4;
  const cx = 16 + (rand() - 0.5) * 8;
  const cy = 16 + (rand() - 0.5) * 8;
  for (let y = 0; y < CIFAR_SIDE; y++) {
    for (let x = 0; x < CIFAR_SIDE; x++) {
      const u = (x - cx) / 16 / scale;
      const v = (y - cy) / 16 / scale;
      const along = u * Math.cos(angle) + v * Math.sin(angle);
      let t: number;
      if (kind === 0) t = Math.sin(along * Math.PI * freq * 2 + phase);
      else if (kind === 1) t = Math.sin(Math.hypot(u, v) * Math.PI * freq * 3 + phase);
      else if (kind === 2) t = Math.sign(Math.sin(u * Math.PI * freq * 2 + phase) * Math.sin(v * Math.PI * freq * 2));
      else if (kind === 3) t = Math.hypot(u, v) < 0.35 * freq ? 1 : -1;
      else t = Math.tanh(along * 3 * freq + Math.sin(phase));
      const w = (t + 1) / 2;
      const i = y * CIFAR_SIDE + x;
      for (let c = 0; c < 3; c++) {
        const value = (fg[c] as number) * w + (bg[c] as number) * (1 - w) + (rand() - 0.5) * 16;
        planes[c * n + i] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return planes;
}

function palette(k: number): [number, number, number] {
  const r = mulberry32(k * 7919 + 17);
  return [Math.floor(r() * 256), Math.floor(r() * 256), Math.floor(r() * 256)];
}
