/**
 * A SASL_SSL listener for the local broker: a private CA and the broker's PKCS#12
 * keystore made with Java's keytool (`npm run kafka -- certs`), and SCRAM users
 * created when the storage is formatted. Clients trust the CA's PEM file
 * (`KAFKA_TLS_CA`) and log in with SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "../system/mod.ts";
import { run } from "./process.ts";

/** A Kafka user (SCRAM credentials at format time, and PLAIN's list). */
export interface BrokerUser {
  /** The user's name. */
  name: string;
  /** The user's password. */
  password: string;
}

/** What the broker's SASL_SSL listener needs. */
export interface BrokerSecurity {
  /** The broker's PKCS#12 keystore (its key and certificate, signed by the CA). */
  keystore: string;
  /** The keystore's password. */
  keystorePassword: string;
  /** The CA's certificate, PEM: what clients trust (`KAFKA_TLS_CA`). */
  caPem: string;
  /** The broker's own user, for its requests to itself. */
  admin: BrokerUser;
  /** Users clients log in as. */
  users: BrokerUser[];
}

/** The files `makeBrokerCerts` writes into `dir`. */
export function certFiles(dir: string): { caPem: string; keystore: string; secrets: string } {
  const d = resolve(dir);
  return { caPem: join(d, "ca.pem"), keystore: join(d, "broker.p12"), secrets: join(d, "secrets.json") };
}

/**
 * Makes a private CA and the broker's keystore, its certificate valid for `hosts`
 * (names and IP addresses; localhost and 127.0.0.1 always), unless `dir` holds them.
 * Returns the keystore's password.
 */
export async function makeBrokerCerts(dir: string, hosts: readonly string[], log: Logger): Promise<BrokerSecurity> {
  const files = certFiles(dir);
  if (existsSync(files.keystore) && existsSync(files.caPem) && existsSync(files.secrets)) {
    return JSON.parse(readFileSync(files.secrets, "utf8")) as BrokerSecurity;
  }
  mkdirSync(resolve(dir), { recursive: true });
  const caStore = join(resolve(dir), "ca.p12");
  const caPassword = randomBytes(18).toString("base64url");
  const keystorePassword = randomBytes(18).toString("base64url");
  const names = [...new Set(["localhost", "127.0.0.1", ...hosts])];
  const san = names.map((h) => (/^[\d.]+$|:/.test(h) ? `ip:${h}` : `dns:${h}`)).join(",");
  const keytool = (...args: string[]) => run("keytool", args);
  log.info("making a private CA and the broker's keystore with keytool", { dir: resolve(dir), hosts: names });
  await keytool(
    "-genkeypair",
    "-alias",
    "ca",
    "-keyalg",
    "RSA",
    "-keysize",
    "2048",
    "-validity",
    "3650",
    "-dname",
    "CN=troupe local CA",
    "-ext",
    "bc:c",
    "-storetype",
    "PKCS12",
    "-keystore",
    caStore,
    "-storepass",
    caPassword,
  );
  await keytool(
    "-exportcert",
    "-alias",
    "ca",
    "-rfc",
    "-keystore",
    caStore,
    "-storepass",
    caPassword,
    "-file",
    files.caPem,
  );
  await keytool(
    "-genkeypair",
    "-alias",
    "broker",
    "-keyalg",
    "RSA",
    "-keysize",
    "2048",
    "-validity",
    "825",
    "-dname",
    `CN=${names.find((h) => !["localhost", "127.0.0.1"].includes(h)) ?? "localhost"}`,
    "-ext",
    `SAN=${san}`,
    "-storetype",
    "PKCS12",
    "-keystore",
    files.keystore,
    "-storepass",
    keystorePassword,
  );
  const csr = join(resolve(dir), "broker.csr");
  const crt = join(resolve(dir), "broker.crt");
  await keytool(
    "-certreq",
    "-alias",
    "broker",
    "-keystore",
    files.keystore,
    "-storepass",
    keystorePassword,
    "-file",
    csr,
  );
  await keytool(
    "-gencert",
    "-alias",
    "ca",
    "-keystore",
    caStore,
    "-storepass",
    caPassword,
    "-infile",
    csr,
    "-outfile",
    crt,
    "-rfc",
    "-validity",
    "825",
    "-ext",
    `SAN=${san}`,
  );
  await keytool(
    "-importcert",
    "-noprompt",
    "-alias",
    "ca",
    "-file",
    files.caPem,
    "-keystore",
    files.keystore,
    "-storepass",
    keystorePassword,
  );
  await keytool(
    "-importcert",
    "-alias",
    "broker",
    "-file",
    crt,
    "-keystore",
    files.keystore,
    "-storepass",
    keystorePassword,
  );
  const security: BrokerSecurity = {
    keystore: files.keystore,
    keystorePassword,
    caPem: files.caPem,
    admin: { name: "troupe-broker", password: randomBytes(18).toString("base64url") },
    users: [{ name: "troupe", password: randomBytes(18).toString("base64url") }],
  };
  writeFileSync(files.secrets, JSON.stringify(security, null, 2), { mode: 0o600 });
  return security;
}

/** server.properties lines of a SASL_SSL client listener (`listen`) advertised as `advertised`. */
export function saslSslProperties(s: BrokerSecurity, listen: string, advertised: string, controller: string): string[] {
  const plainUsers = [s.admin, ...s.users].map((u) => `user_${u.name}="${u.password}"`).join(" ");
  return [
    `listeners=SASL_SSL://${listen},CONTROLLER://${controller}`,
    `advertised.listeners=SASL_SSL://${advertised}`,
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
    "inter.broker.listener.name=SASL_SSL",
    "sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,PLAIN",
    "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${s.admin.name}" password="${s.admin.password}";`,
    "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;",
    `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="${s.admin.name}" password="${s.admin.password}" ${plainUsers};`,
    "ssl.keystore.type=PKCS12",
    `ssl.keystore.location=${s.keystore}`,
    `ssl.keystore.password=${s.keystorePassword}`,
    `ssl.key.password=${s.keystorePassword}`,
    // The broker checks its own settings with a client of its own (and talks to itself over this listener):
    // the keystore holds the CA as a trusted entry too.
    "ssl.truststore.type=PKCS12",
    `ssl.truststore.location=${s.keystore}`,
    `ssl.truststore.password=${s.keystorePassword}`,
    "ssl.client.auth=none",
  ];
}

/** `kafka-storage format` arguments creating every user's SCRAM credentials (both hash sizes). */
export function scramFormatArgs(s: BrokerSecurity): string[] {
  return [s.admin, ...s.users].flatMap((u) =>
    ["SCRAM-SHA-512", "SCRAM-SHA-256"].flatMap((m) => ["--add-scram", `${m}=[name=${u.name},password=${u.password}]`])
  );
}
