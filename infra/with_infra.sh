#!/usr/bin/env bash
# Runs a command with a real Kafka broker and PostgreSQL server behind it, both
# started by the project's own scripts unless KAFKA_BROKERS / DATABASE_URL are
# already set, and both stopped afterwards. Example: bash infra/with_infra.sh npm test
set -euo pipefail
cd "$(dirname "$0")/.."
started_kafka=0
# TEST_KAFKA_DIR: another broker's data (a broker of another Kafka version cannot start on a newer one's).
kafka_dir="${TEST_KAFKA_DIR:-.troupe/kafka-test}"
started_pg=0
cleanup() {
  [ "$started_kafka" = 1 ] && npm run -s kafka -- stop --dir "$kafka_dir" || true
  [ "$started_pg" = 1 ] && npm run -s postgres -- stop --dir .troupe/postgres-test || true
}
trap cleanup EXIT
# The tests produce poison records with kcat (librdkafka): a Kafka client independent of the one under test.
if ! command -v kcat >/dev/null; then
  echo "with_infra: installing kcat (apt-get)" >&2
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q kcat) >/dev/null \
    || { echo "with_infra: kcat is needed by the tests and could not be installed (apt-get install kcat)" >&2; exit 1; }
fi
# Each run starts both servers from empty data directories, as a fresh clone does: the tests leave their topics and
# schemas behind, and a broker holding thousands of old partitions (15 GB after a few weeks of runs) started slowly
# and applied new topics seconds late.
fresh() {
  npm run -s "$1" -- stop --dir "$2" >/dev/null 2>&1 || true
  rm -rf "$2"
}
if [ -z "${DATABASE_URL:-}" ]; then
  echo "with_infra: starting a private PostgreSQL cluster (.troupe/postgres-test)" >&2
  fresh postgres .troupe/postgres-test
  export "$(npm run -s postgres -- start --dir .troupe/postgres-test | tail -n 1)"
  started_pg=1
fi
if [ -z "${KAFKA_BROKERS:-}" ]; then
  echo "with_infra: starting a Kafka ${KAFKA_VERSION:-4.4.0} broker ($kafka_dir)" >&2
  port="${TEST_KAFKA_PORT:-19092}"
  fresh kafka "$kafka_dir"
  export "$(npm run -s kafka -- start --dir "$kafka_dir" --port "$port" --controller-port "$((port + 1))" \
    --version "${KAFKA_VERSION:-4.4.0}" | tail -n 1)"
  started_kafka=1
fi
echo "with_infra: KAFKA_BROKERS=$KAFKA_BROKERS DATABASE_URL=$DATABASE_URL" >&2
"$@"
