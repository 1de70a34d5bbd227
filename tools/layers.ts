/**
 * The folders of troupe as a one-way graph: which folder may import which. Read by
 * tools/check_layers.ts (run in CI) and shown in the README's layout section.
 * Capability folders under actors/ are units of their own; the node (node/ and
 * main.ts) is on top and nothing imports it. test/, bench/, chaos/, examples/ and tools/
 * may import anything (test/ may also reach into `_private` files: white-box
 * tests), and nothing imports them.
 */

/** Each unit and the units it may import, bottom to top. */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  "system": [],
  "protocols": ["system"],
  "infra": ["system"],
  "actors/kafka": ["system", "protocols"],
  "actors/inference": ["system", "protocols"],
  "actors/broker": ["system", "protocols", "infra", "actors/kafka"],
  "actors/db": ["system", "protocols"],
  "actors/db_kafka": ["system", "protocols", "actors/kafka", "actors/db"],
  "actors/simulator": ["system", "protocols"],
  "actors/inference_kafka": ["system", "protocols", "actors/kafka", "actors/inference"],
  "actors/fleet": ["system", "protocols", "actors/kafka"],
  "ops": ["system", "protocols"],
  "node": [
    "system",
    "protocols",
    "infra",
    "actors/kafka",
    "actors/inference",
    "actors/broker",
    "actors/db",
    "actors/db_kafka",
    "actors/simulator",
    "actors/inference_kafka",
    "actors/fleet",
    "ops",
  ],
};

/** Units that may import anything and that nothing else imports. */
export const FREE_UNITS: readonly string[] = ["test", "bench", "chaos", "examples", "tools"];

/** Units allowed to import another folder's `_private` files. */
export const WHITE_BOX_UNITS: readonly string[] = ["test"];

/** Packages only one unit may import. */
export const PACKAGE_OWNERS: Readonly<Record<string, string>> = { nact: "system" };

/**
 * Packages only one unit may import, tests, tools, bench and chaos included: the Kafka
 * clients sit behind troupe's own client (actors/kafka/client.ts), which everything
 * else goes through, so each adapter is exercised by all of it.
 */
export const SEALED_PACKAGES: Readonly<Record<string, string>> = {
  kafkajs: "actors/kafka",
  "@platformatic/kafka": "actors/kafka",
};
