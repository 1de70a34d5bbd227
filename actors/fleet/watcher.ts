/**
 * The fleet as one node sees it: the nodes topic read from its beginning and then as
 * it grows, each record applied to a {@link Roster} at its broker time. What is not
 * a heartbeat is logged once per record and counted, never thrown.
 */
import { createKafkaClient, type KafkaConnection, readTopicFromStart, type TopicReader } from "../kafka/mod.ts";
import { type Logger, silentLogger } from "../../system/mod.ts";
import { ensureNodesTopic } from "./nodes_topic.ts";
import { Roster, type RosterEntry, type RosterOptions } from "./roster.ts";

/** Options of {@link watchFleet}. */
export interface FleetWatchOptions extends RosterOptions {
  brokers: readonly string[];
  connection?: KafkaConnection;
  topic: string;
  log?: Logger;
}

/** A running watch. */
export interface FleetWatch {
  /** Every node seen, and its state at `nowMs` (default: now). */
  view(nowMs?: number): RosterEntry[];
  /** Records of the topic that were not heartbeats. */
  refused(): number;
  stop(): Promise<void>;
}

/** Starts reading the nodes topic. */
export async function watchFleet(options: FleetWatchOptions): Promise<FleetWatch> {
  const log = options.log ?? silentLogger;
  const client = createKafkaClient({
    ...options.connection,
    brokers: options.brokers,
    clientId: "troupe-fleet-watch",
    log,
  });
  const roster = new Roster(options);
  let reader: TopicReader;
  try {
    await ensureNodesTopic(client, options.topic);
    reader = await readTopicFromStart(client, options.topic, (r) => {
      const key = r.key === null ? null : new TextDecoder().decode(r.key);
      if (!roster.apply(key, r.value, r.timestamp)) {
        log.warn("a record of the nodes topic is not a heartbeat: skipped", {
          topic: options.topic,
          offset: r.offset,
          ...roster.refused.at(-1),
        });
      }
    });
  } catch (err) {
    await client.close();
    throw err;
  }
  return {
    view: (nowMs = Date.now()) => roster.view(nowMs),
    refused: () => roster.refusedCount,
    stop: async () => {
      await reader.stop();
      await client.close();
    },
  };
}
