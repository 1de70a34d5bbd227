/**
 * TLS and SASL of every Kafka connection a node makes: `KAFKA_TLS`, `KAFKA_TLS_CA`,
 * `KAFKA_TLS_CERT`, `KAFKA_TLS_KEY`, `KAFKA_SASL_MECHANISM`, `KAFKA_SASL_USERNAME`,
 * `KAFKA_SASL_PASSWORD` or `KAFKA_SASL_PASSWORD_FILE`. Files are read when the
 * configuration loads, so a missing one is named at start.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import { KAFKA_SASL_MECHANISMS, type KafkaSasl, type KafkaTls } from "../actors/kafka/client.ts";

/** What the configuration holds of it; `password` is a secret (`redactConfig`). */
export interface KafkaSecurityConfig {
  /** Null: plaintext. The files are kept for `/config`; their PEM text is in `tls`. */
  readonly tls: (KafkaTls & { readonly files: { ca: string | null; cert: string | null; key: string | null } }) | null;
  readonly sasl: KafkaSasl | null;
}

/** Its variables, for `--help`. */
export const KAFKA_SECURITY_VARIABLES: Record<string, string> = {
  KAFKA_TLS: "on: TLS to the brokers (default off; on when any KAFKA_TLS_* file is given)",
  KAFKA_TLS_CA: "PEM file of the CA the brokers' certificates chain to (default: the system's CAs)",
  KAFKA_TLS_CERT: "PEM file of a client certificate, for brokers that ask for one (with KAFKA_TLS_KEY)",
  KAFKA_TLS_KEY: "PEM file of the client certificate's private key",
  KAFKA_SASL_MECHANISM: `SASL mechanism: ${KAFKA_SASL_MECHANISMS.join(", ")} (default: no SASL)`,
  KAFKA_SASL_USERNAME: "SASL user name",
  KAFKA_SASL_PASSWORD: "SASL password (secret; or KAFKA_SASL_PASSWORD_FILE)",
  KAFKA_SASL_PASSWORD_FILE: "file holding the SASL password (its first line)",
};

type Raw = (name: string) => string | undefined;
type Getter = <T>(name: string, fallback: T, schema: z.ZodType<T>, allowed: string) => T;

/** Reads them; each problem names its variable. */
export function readKafkaSecurity(raw: Raw, get: Getter, problems: string[]): KafkaSecurityConfig {
  const file = (name: string): { path: string; text: string } | null => {
    const path = raw(name);
    if (path === undefined) return null;
    try {
      return { path, text: readFileSync(path, "utf8") };
    } catch (err) {
      problems.push(`${name} must be a readable file: ${(err as Error).message}`);
      return null;
    }
  };
  const ca = file("KAFKA_TLS_CA");
  const cert = file("KAFKA_TLS_CERT");
  const key = file("KAFKA_TLS_KEY");
  if ((raw("KAFKA_TLS_CERT") === undefined) !== (raw("KAFKA_TLS_KEY") === undefined)) {
    problems.push("KAFKA_TLS_CERT and KAFKA_TLS_KEY go together: got only one of them");
  }
  const on = get(
    "KAFKA_TLS",
    ca !== null || cert !== null,
    z.enum(["on", "off"]).transform((v) => v === "on") as unknown as z.ZodType<boolean>,
    "on or off",
  );
  const tls = on
    ? {
      ...(ca ? { ca: ca.text } : {}),
      ...(cert ? { cert: cert.text } : {}),
      ...(key ? { key: key.text } : {}),
      files: { ca: ca?.path ?? null, cert: cert?.path ?? null, key: key?.path ?? null },
    }
    : null;

  const mechanism = get(
    "KAFKA_SASL_MECHANISM",
    null,
    z.enum(KAFKA_SASL_MECHANISMS) as unknown as z.ZodType<KafkaSasl["mechanism"] | null>,
    `one of ${KAFKA_SASL_MECHANISMS.join(", ")}`,
  );
  const username = raw("KAFKA_SASL_USERNAME");
  const passwordFile = file("KAFKA_SASL_PASSWORD_FILE");
  const password = raw("KAFKA_SASL_PASSWORD") ?? passwordFile?.text.split("\n")[0]?.trim();
  if (raw("KAFKA_SASL_PASSWORD") !== undefined && passwordFile !== null) {
    problems.push("KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE: give one of them, not both");
  }
  let sasl: KafkaSasl | null = null;
  if (mechanism !== null) {
    if (!username) problems.push(`KAFKA_SASL_USERNAME must be set with KAFKA_SASL_MECHANISM=${mechanism}`);
    if (!password) {
      problems.push(
        `KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE must be set with KAFKA_SASL_MECHANISM=${mechanism}`,
      );
    }
    if (username && password) sasl = { mechanism, username, password };
  } else if (username !== undefined || password !== undefined) {
    problems.push("KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD need KAFKA_SASL_MECHANISM");
  }
  return { tls, sasl };
}
