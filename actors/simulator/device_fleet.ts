/**
 * Device fleet: N simulated cameras. Each has an id (`<prefix>-0001`…) and takes
 * images at `rate` per second with relative `jitter`, or, with a `count` and
 * rate 0, as fast as the pipeline takes them. Every image gets a deterministic
 * sequence number per device and image id (`deviceId/seq`); camera `d` shows
 * dataset records `d, d + N, d + 2N, …` (wrapping), so a replay sends the same
 * pixels under the same ids. Backpressure: the fleet waits on the encoder's
 * mailbox, so a slow Kafka slows the cameras instead of queueing without bound.
 */
import type { HopReporter } from "../../protocols/hops.ts";
import { newTraceparent } from "../../protocols/mod.ts";
import { mulberry32 } from "../../protocols/seeded_random.ts";
import type { CifarRecord } from "../../protocols/cifar100.ts";
import { imageIdOf } from "../../protocols/image_envelope.ts";
import {
  type ActorContext,
  type ActorProps,
  type ActorRef,
  ask,
  type Behaviour,
  type ChildSpec,
  childSpec,
} from "../../system/mod.ts";
import type { DatasetReaderMsg } from "./dataset_reader.ts";
import type { EncoderMsg } from "./encoder.ts";

/** The fleet takes no messages from other actors: it drives itself with ticks. */
export type DeviceFleetMsg = never;

type Msg = { type: "fleet.tick" };

/** Running figures of the fleet. */
export interface FleetStats {
  /** Images taken. */
  captured: number;
  /** Images the fleet will take in all (null: until stopped). */
  target: number | null;
  /** True once every camera took its share of `count`. */
  finished: boolean;
}

/** Options of {@link deviceFleet}. */
export interface DeviceFleetOptions {
  /** Cameras in the fleet. */
  devices: number;
  /** Images per second per camera; 0 needs `count`. */
  rate: number;
  /** Images in all, across cameras; 0: until stopped. */
  count: number;
  /** Spread of each camera's interval: 0.1 makes it vary by up to ±10%. */
  jitter: number;
  /** Seed of the interval jitter (the same seed, the same schedule). */
  seed: number;
  /** Camera ids are `<prefix>-0001`, `<prefix>-0002`, ... @default "cam" @default "cam" */
  prefix?: string;
  /** Records in the dataset (indices wrap around it). */
  datasetSize: number;
  /** The dataset reader the images' records come from. */
  reader: ActorRef<DatasetReaderMsg>;
  /** The encoder the captures go to. */
  encoder: ActorRef<EncoderMsg>;
  /** Figures to count into (shared with whoever shows them). */
  stats?: FleetStats;
  /** Most images taken per tick. @default 64 */
  perTick?: number;
  /** Told each image's capture (the node samples and ships them: protocols/hops.ts). */
  hops?: HopReporter;
}

interface Device {
  id: string;
  index: number;
  seq: number;
  quota: number | null;
  nextAt: number;
}

interface State {
  devices: Device[];
  random: () => number;
}

/** What a fleet hands to its next incarnation: each camera's next sequence number. */
export type FleetProgress = Record<string, number>;

const TICK: Msg = { type: "fleet.tick" };

/** The device id of camera `index` (from 0). */
export function deviceIdOf(prefix: string, index: number): string {
  return `${prefix}-${String(index + 1).padStart(4, "0")}`;
}

/**
 * The fleet's behaviour. A restarted fleet goes on from each camera's next
 * sequence number (handed over), so no image id is taken twice.
 */
export function deviceFleet(options: DeviceFleetOptions): Behaviour<DeviceFleetMsg, unknown, unknown> {
  return fleet(options);
}

function fleet(options: DeviceFleetOptions): Behaviour<DeviceFleetMsg, State, FleetProgress> {
  const prefix = options.prefix ?? "cam";
  const perTick = options.perTick ?? 64;
  const stats = options.stats ?? { captured: 0, target: null, finished: false };
  stats.target = options.count > 0 ? options.count : null;
  const interval = options.rate > 0 ? 1000 / options.rate : 0;

  const schedule = (state: State, ctx: ActorContext<Msg>) => {
    const live = state.devices.filter((d) => d.quota === null || d.seq < d.quota);
    if (live.length === 0) {
      stats.finished = true;
      ctx.log.info("every camera took its share", { captured: stats.captured });
      return;
    }
    const wait = Math.max(0, Math.min(...live.map((d) => d.nextAt)) - Date.now());
    // A timer waits at least a millisecond: with no wait, the next tick is sent at once.
    if (wait > 0) ctx.timers.startSingle("tick", wait, TICK);
    else ctx.self.trySend(TICK);
  };

  /** This tick's shots in camera order; as fast as possible, cameras take turns up to `perTick`. */
  const dueShots = (state: State, now: number): Device[] => {
    const due = state.devices.filter((d) => (d.quota === null || d.seq < d.quota) && d.nextAt <= now).sort((a, b) =>
      a.nextAt - b.nextAt
    );
    const shots: Device[] = [];
    for (let round = 0; shots.length < perTick; round++) {
      const before = shots.length;
      for (const d of due) {
        if (shots.length < perTick && (d.quota === null || d.seq + round < d.quota)) shots.push(d);
      }
      if (interval > 0 || shots.length === before) break;
    }
    return shots;
  };

  const behaviour: Behaviour<Msg, State, FleetProgress> = {
    init(ctx, carried) {
      const random = mulberry32(options.seed ^ 0x5eed);
      const now = Date.now();
      const devices: Device[] = [];
      for (let i = 0; i < options.devices; i++) {
        const id = deviceIdOf(prefix, i);
        const quota = options.count > 0
          ? Math.floor(options.count / options.devices) + (i < options.count % options.devices ? 1 : 0)
          : null;
        devices.push({
          id,
          index: i,
          seq: carried?.[id] ?? 0,
          quota,
          nextAt: now + (interval > 0 ? random() * interval : 0),
        });
      }
      const state: State = { devices, random };
      schedule(state, ctx);
      return state;
    },
    async receive(state, _msg, ctx) {
      const shots = dueShots(state, Date.now());
      if (shots.length > 0) {
        // A camera's k-th shot of this tick shows its record for seq + k.
        const next = new Map<Device, number>();
        const indices = shots.map((d) => {
          const seq = next.get(d) ?? d.seq;
          next.set(d, seq + 1);
          return (d.index + seq * options.devices) % options.datasetSize;
        });
        const records = await ask<DatasetReaderMsg, CifarRecord[]>(
          options.reader,
          (replyTo) => ({ type: "reader.read", indices, replyTo }),
          { timeoutMs: 30_000 },
        );
        for (let i = 0; i < shots.length; i++) {
          const d = shots[i] as Device;
          const capturedAt = new Date().toISOString();
          const traceparent = newTraceparent();
          options.hops?.("captured", traceparent, Date.parse(capturedAt));
          await options.encoder.send({
            type: "encoder.encode",
            capture: {
              deviceId: d.id,
              seq: d.seq,
              imageId: imageIdOf(d.id, d.seq),
              capturedAt,
              record: records[i] as CifarRecord,
              traceparent,
            },
          }, { signal: ctx.signal });
          d.seq++;
          stats.captured++;
          if (interval > 0) {
            const next = d.nextAt + interval * (1 + options.jitter * (state.random() * 2 - 1));
            // A camera that fell far behind (the pipeline was slow) skips ahead instead of bursting.
            d.nextAt = next < Date.now() - 1000 ? Date.now() : next;
          } else d.nextAt = Date.now();
        }
      }
      schedule(state, ctx);
      return state;
    },
    handover: (state) => Object.fromEntries(state.devices.map((d) => [d.id, d.seq])),
    describe: (state) => ({
      devices: state.devices.length,
      rate: options.rate,
      ...stats,
      behind: state.devices.filter((d) => d.nextAt < Date.now() - 1000 && (d.quota === null || d.seq < d.quota)).length,
    }),
  };
  return behaviour;
}

/** The deviceFleet actor as a supervisor's child: `fleet`, capacity 4 (its own ticks). */
export function deviceFleetSpec(
  options: DeviceFleetOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<DeviceFleetMsg> {
  return childSpec(deviceFleet(options), { name: "fleet", capacity: 4 }, props);
}
