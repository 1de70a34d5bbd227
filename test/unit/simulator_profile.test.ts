// The simulator profile's categories (bench/_profile.ts): samples summed per category over threads, a native frame
// counted where its nearest named caller is, idle time left out, and the ceilings the costs imply.
import t from "tap";
import { ceilings, type CpuProfile, profileCategories, renderProfileMarkdown } from "../../bench/_profile.ts";

const frame = (id: number, functionName: string, url: string, children: number[] = []) => ({
  id,
  callFrame: { functionName, url },
  children,
});

t.test("samples by category, natives under their caller, idle left out", async (t) => {
  const main: CpuProfile = {
    nodes: [
      frame(1, "(root)", "", [2, 5, 6]),
      frame(2, "encodeRgbPng", "file:///x/protocols/png_rgb.ts", [3]),
      frame(3, "deflateSync", "node:zlib", []),
      frame(5, "(idle)", ""),
      frame(6, "send", "file:///x/node_modules/@platformatic/kafka/dist/x.js", [7]),
      frame(7, "writev", ""),
    ],
    samples: [3, 3, 2, 5, 5, 5, 7, 6],
    timeDeltas: [100, 100, 50, 1000, 1000, 1000, 30, 20],
  };
  const worker: CpuProfile = { nodes: [frame(1, "(garbage collector)", "")], samples: [1, 1], timeDeltas: [40, 60] };
  const cats = profileCategories([main, worker], 10);
  t.same(
    Object.fromEntries(cats.map((c) => [c.name, c.usPerImage])),
    {
      "PNG deflate and CRC (zlib)": 20,
      "garbage collection": 10,
      "PNG scanlines, envelope fields, CIFAR record": 5,
      "Kafka client (record batches, socket writes)": 5,
    },
  );
  const report = {
    commit: "abc",
    started: "2026-12-07T11:00:00.000Z",
    machine: { cores: 2, cpu: "cpu", cpuFlags: ["avx2"], memoryGiB: 24, node: "v20" },
    images: 10,
    simulator: "sent 10 images",
    threads: 2,
    categories: cats,
  };
  t.same(ceilings(report), { allUs: 40, essentialUs: 30, all: 50_000, essential: 66_667 });
  t.match(renderProfileMarkdown(report), "| PNG deflate and CRC (zlib) | the record's own work | 20.0 µs |");
});
