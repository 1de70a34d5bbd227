import { Buffer } from "node:buffer";
import { deflateSync } from "node:zlib";
import t from "tap";
import { decode, encode } from "fast-png";
import { crc32 } from "../../protocols/_crc32.ts";
import { checkPng } from "../../protocols/png_check.ts";
import { encodeRgbPng } from "../../protocols/png_rgb.ts";

const rgb = Uint8Array.from({ length: 32 * 32 * 3 }, (_, i) => (i * 131 + 7) % 256);
const good = encodeRgbPng(32, 32, rgb);

/** A PNG from raw chunks, each given its CRC. */
function build(chunks: [string, Uint8Array][]): Uint8Array {
  const parts: Buffer[] = [Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])];
  for (const [type, data] of chunks) {
    const c = Buffer.alloc(12 + data.length);
    c.writeUInt32BE(data.length, 0);
    c.write(type, 4, "latin1");
    c.set(data, 8);
    c.writeUInt32BE(crc32(c, 4, 8 + data.length), 8 + data.length);
    parts.push(c);
  }
  return Buffer.concat(parts);
}

function ihdr(width: number, height: number, depth = 8, colour = 2, interlace = 0): Uint8Array {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(width, 0);
  b.writeUInt32BE(height, 4);
  b.set([depth, colour, 0, 0, interlace], 8);
  return b;
}

/** Unfiltered scanlines of a w x h RGB image, filter byte `filter` on each. */
const scanlines = (w: number, h: number, filter = 0) =>
  Buffer.concat(Array.from({ length: h }, () => Buffer.from([filter, ...new Uint8Array(w * 3)])));

t.test("good PNGs pass with their size, whoever wrote them", async (t) => {
  t.same(checkPng(good), { ok: true, width: 32, height: 32 }, "the simulator's writer");
  for (const [channels, depth] of [[1, 8], [1, 16], [2, 8], [3, 8], [4, 8], [4, 16]] as const) {
    const data = depth === 16 ? new Uint16Array(5 * 3 * channels).fill(300) : new Uint8Array(5 * 3 * channels).fill(7);
    const png = encode({ width: 5, height: 3, data, channels, depth });
    t.same(checkPng(png), { ok: true, width: 5, height: 3 }, `fast-png, ${channels} channel(s) of ${depth} bits`);
  }
  const raw = deflateSync(scanlines(4, 4, 4));
  const split = build([["IHDR", ihdr(4, 4)], ["IDAT", raw.subarray(0, 5)], ["tEXt", Buffer.from("k\0v")], [
    "IDAT",
    raw.subarray(5),
  ], ["IEND", new Uint8Array(0)]]);
  t.same(
    checkPng(split),
    { ok: true, width: 4, height: 4 },
    "data split over several IDAT chunks, other chunks between",
  );
  t.same(decode(split).width, 4, "and fast-png agrees");
});

t.test("each kind of damage is named (stricter than fast-png, which skips CRCs and chunk order)", async (t) => {
  const flipped = Buffer.from(good);
  flipped[60] = (flipped[60] as number) ^ 0xff;
  const cases: [string, Uint8Array, RegExp][] = [
    ["not a PNG", Buffer.from("GIF89a, not a PNG at all"), /PNG signature/],
    ["cut inside a chunk", good.subarray(0, 60), /"IDAT" at byte 33 runs past the end/],
    ["cut after a chunk", good.subarray(0, good.length - 12), /no IEND/],
    ["a flipped byte", flipped, /"IDAT" at byte 33 fails its CRC/],
    ["bytes after IEND", Buffer.concat([good, Buffer.from([0])]), /1 bytes after IEND/],
    [
      "IDAT before IHDR",
      build([["IDAT", deflateSync(scanlines(2, 2))], ["IHDR", ihdr(2, 2)], ["IEND", new Uint8Array(0)]]),
      /first chunk is "IDAT"/,
    ],
    [
      "zero width",
      build([["IHDR", ihdr(0, 2)], ["IDAT", deflateSync(scanlines(2, 2))], ["IEND", new Uint8Array(0)]]),
      /size 0x2/,
    ],
    [
      "RGB of 4 bits",
      build([["IHDR", ihdr(2, 2, 4, 2)], ["IDAT", deflateSync(scanlines(2, 2))], ["IEND", new Uint8Array(0)]]),
      /colour type 2 with bit depth 4/,
    ],
    [
      "indexed without PLTE",
      build([["IHDR", ihdr(2, 2, 8, 3)], ["IDAT", deflateSync(Buffer.alloc(6))], ["IEND", new Uint8Array(0)]]),
      /without a PLTE/,
    ],
    ["no IDAT", build([["IHDR", ihdr(2, 2)], ["IEND", new Uint8Array(0)]]), /no image data/],
    [
      "IDAT not zlib",
      build([["IHDR", ihdr(2, 2)], ["IDAT", Buffer.from("not deflate data")], ["IEND", new Uint8Array(0)]]),
      /does not inflate/,
    ],
    [
      "too few scanlines",
      build([["IHDR", ihdr(2, 3)], ["IDAT", deflateSync(scanlines(2, 2))], ["IEND", new Uint8Array(0)]]),
      /inflates to 14 bytes, the header needs 21/,
    ],
    [
      "too many bytes (a bomb is cut off)",
      build([["IHDR", ihdr(2, 2)], ["IDAT", deflateSync(Buffer.alloc(10_000_000))], ["IEND", new Uint8Array(0)]]),
      /does not inflate/,
    ],
    [
      "unknown filter",
      build([["IHDR", ihdr(2, 2)], ["IDAT", deflateSync(scanlines(2, 2, 5))], ["IEND", new Uint8Array(0)]]),
      /scanline 0 has unknown filter type 5/,
    ],
  ];
  for (const [name, png, problem] of cases) {
    const c = checkPng(png);
    t.equal(c.ok, false, name);
    if (!c.ok) t.match(c.problem, problem, `${name}: ${c.problem}`);
  }
});
