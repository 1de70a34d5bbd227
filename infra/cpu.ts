/** What the CPU offers to inference: its vector extensions (from /proc/cpuinfo; empty elsewhere). */
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import process from "node:process";

/** The flags that decide inference speed, those this CPU has, in a fixed order. */
export function cpuSimdFlags(): string[] {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags")) ?? "";
    const have = new Set(line.split(":")[1]?.trim().split(/\s+/) ?? []);
    return ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "amx_tile"].filter((f) =>
      have.has(f)
    );
  } catch {
    return [];
  }
}

/** Whether the CPU has VNNI (8-bit dot products without the saturation of AVX2's uint8 x int8). */
export function hasVnni(flags: string[] = cpuSimdFlags()): boolean {
  return flags.includes("avx512_vnni") || flags.includes("avx_vnni");
}

/** The machine a results file was measured on (bench, chaos, profiles). */
export interface MachineInfo {
  cores: number;
  cpu: string;
  cpuFlags: string[];
  memoryGiB: number;
  node: string;
}

/** This machine, as results files name it. */
export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? "unknown",
    cpuFlags: cpuSimdFlags(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
}
