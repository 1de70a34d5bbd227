/**
 * The CIFAR-100 binary format (https://www.cs.toronto.edu/~kriz/cifar.html),
 * pure byte layout, no I/O.
 *
 * `train.bin` (50000 records) and `test.bin` (10000 records) are a plain
 * concatenation of 3074-byte records:
 *
 * | bytes      | field                                              |
 * | ---------- | -------------------------------------------------- |
 * | 0          | coarse label, 0..19                                |
 * | 1          | fine label, 0..99                                  |
 * | 2..1025    | red plane, 32 rows of 32 pixels, row-major          |
 * | 1026..2049 | green plane                                        |
 * | 2050..3073 | blue plane                                         |
 *
 * `coarse_label_names.txt` (20 lines) and `fine_label_names.txt` (100 lines) name
 * the labels, one per line, in label order.
 */

/** Side of a CIFAR image in pixels. */
export const CIFAR_SIDE = 32;
/** Bytes of one image's pixels (three 32x32 planes). */
export const CIFAR_PIXEL_BYTES = 3 * CIFAR_SIDE * CIFAR_SIDE;
/** Bytes of one record: two label bytes and the pixels. */
export const CIFAR_RECORD_BYTES: number = 2 + CIFAR_PIXEL_BYTES;
/** Number of coarse classes (superclasses). */
export const CIFAR_COARSE_CLASSES = 20;
/** Number of fine classes. */
export const CIFAR_FINE_CLASSES = 100;

/** One image of the dataset. */
export interface CifarRecord {
  /** Position of the record in its file, from 0. */
  index: number;
  /** The coarse label (0-19). */
  coarse: number;
  /** The fine label (0-99). */
  fine: number;
  /** 3072 bytes: the R, G and B planes, each 32x32 row-major. */
  planes: Uint8Array;
}

/**
 * Reads the record at `byteOffset` of `bytes`. Returns the problem as a string
 * when the record is cut short or a label is out of range.
 */
export function parseCifarRecord(bytes: Uint8Array, byteOffset: number, index: number): CifarRecord | string {
  if (byteOffset + CIFAR_RECORD_BYTES > bytes.length) {
    return `truncated record: ${bytes.length - byteOffset} of ${CIFAR_RECORD_BYTES} bytes`;
  }
  const coarse = bytes[byteOffset] as number;
  const fine = bytes[byteOffset + 1] as number;
  if (coarse >= CIFAR_COARSE_CLASSES) return `coarse label ${coarse} is out of range 0..${CIFAR_COARSE_CLASSES - 1}`;
  if (fine >= CIFAR_FINE_CLASSES) return `fine label ${fine} is out of range 0..${CIFAR_FINE_CLASSES - 1}`;
  return { index, coarse, fine, planes: bytes.slice(byteOffset + 2, byteOffset + CIFAR_RECORD_BYTES) };
}

/** Writes one record in the binary layout. */
export function encodeCifarRecord(coarse: number, fine: number, planes: Uint8Array): Uint8Array {
  if (planes.length !== CIFAR_PIXEL_BYTES) {
    throw new RangeError(`a CIFAR image has ${CIFAR_PIXEL_BYTES} bytes of pixels: got ${planes.length}`);
  }
  const out = new Uint8Array(CIFAR_RECORD_BYTES);
  out[0] = coarse;
  out[1] = fine;
  out.set(planes, 2);
  return out;
}

/** Planar RGB (the file layout) to interleaved RGB (what PNG encoders take). */
export function planarToInterleaved(planes: Uint8Array, side = CIFAR_SIDE): Uint8Array {
  const n = side * side;
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    out[3 * i] = planes[i] as number;
    out[3 * i + 1] = planes[n + i] as number;
    out[3 * i + 2] = planes[2 * n + i] as number;
  }
  return out;
}
