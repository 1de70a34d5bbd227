// Preloaded into every test file's process (tools/test_runner.ts and .taprc pass it after tap's own preloads): it
// stops tap's process tracking from following the processes a test starts. tap's @tapjs/processinfo puts itself in
// NODE_OPTIONS and, through process-on-spawn, in the environment of every child, where it registers module hooks
// that see each module the child and its worker threads load (on Node 20 on a thread of their own). That is there
// for coverage, which troupe's suite runs without (.taprc); it cost a db node 0.7 s of CPU at start (1.3 s against
// 2.0 s, measured), and the suite starts well over a hundred nodes, commands and brokers on two cores.
import process from "node:process";

// NODE_OPTIONS as node reads it: options apart by spaces, a double-quoted one may hold spaces (tap quotes its own).
const options = process.env.NODE_OPTIONS?.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
const kept = options.filter((o) => !/@tapjs[\\/]processinfo/.test(o));
if (kept.length === 0) delete process.env.NODE_OPTIONS;
else process.env.NODE_OPTIONS = kept.join(" ");
// process-on-spawn's listeners (processinfo's is the only one) live in a global singleton under this symbol.
const onSpawn = globalThis[Symbol.for("process-on-spawn@*:singletonId")];
if (onSpawn && Array.isArray(onSpawn.listeners)) onSpawn.listeners.length = 0;
